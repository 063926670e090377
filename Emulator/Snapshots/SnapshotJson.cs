// The JSON of a snapshot's META section and of live migration's hello message, made by the
// System.Text.Json source generator rather than reflection, so the Native AOT build of r4
// (docs/performance.md, "Issue 14, aot stream") saves, resumes and migrates guests too. The
// text is the same as reflection's: compact, properties in declaration order.
using System.Text.Json.Serialization;

namespace R4.Snapshots;

[JsonSerializable(typeof(SnapshotMetadata))]
[JsonSerializable(typeof(LiveMigration.Hello))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
