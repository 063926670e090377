// The machine description file of `r4 host --machine FILE` (docs/host.md): a JSON object
// naming the machine's RAM, disk and slice and listing each guest — its image, RAM, layout,
// slice weight, sector range of the machine disk, console input, instruction limit and -D
// defines. Paths are relative to the file. Every error names the file, the place (line:col
// for malformed JSON, the key path such as guests[2].layout otherwise) and the value.
using System.Text;
using System.Text.Json;

namespace R4.Cli;

/// <summary>One guest as the description gives it; null = take the command line's default.</summary>
public sealed record DescribedGuest(
    string Image, string? Memory, string? Layout, int? Weight, ulong? FirstSector, ulong? SectorCount,
    string? Input, ulong? MaxInstructions, IReadOnlyList<string> Defines);

public sealed record MachineDescription(string? MachineMemory, string? Disk, ulong? SliceInstructions, IReadOnlyList<DescribedGuest> Guests)
{
    private static readonly string[] MachineKeys = ["machineMemory", "disk", "sliceInstructions", "guests"];
    private static readonly string[] GuestKeys = ["image", "memory", "layout", "weight", "sectors", "input", "maxInstructions", "defines"];

    /// <summary>Reads and checks <paramref name="path"/>; a wrong file is a <see cref="UserError"/>
    /// (66 unreadable, 65 malformed or wrong values).</summary>
    public static MachineDescription Load(string path)
    {
        GuestLoader.RequireReadableFile(path, "machine description");
        byte[] bytes = GuestLoader.ReadAll(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            // the reader's message without its own "LineNumber: .. | BytePositionInLine: .." suffix
            string reason = e.Message.Split(" LineNumber:")[0].TrimEnd();
            throw new UserError($"{path}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: malformed JSON: {reason}", ExitCodes.BadInput);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(path, "expected a JSON object with a \"guests\" list (see docs/host.md)");
            CheckKeys(path, root, "", MachineKeys);
            if (!root.TryGetProperty("guests", out var guestList) || guestList.ValueKind != JsonValueKind.Array || guestList.GetArrayLength() == 0)
                throw Bad(path, "guests: give a list of at least one guest, e.g. [{\"image\": \"kernel.asm\"}]");
            var guests = new List<DescribedGuest>();
            int index = 0;
            foreach (var guest in guestList.EnumerateArray())
            {
                string at = $"guests[{index}]";
                if (guest.ValueKind != JsonValueKind.Object)
                    throw Bad(path, $"{at}: expected an object such as {{\"image\": \"kernel.asm\"}}");
                CheckKeys(path, guest, at + ".", GuestKeys);
                string image = String(path, guest, at, "image") ?? throw Bad(path, $"{at}.image: every guest needs its image (an .asm source, ELF image or flat binary)");
                ulong? first = null, count = null;
                if (guest.TryGetProperty("sectors", out var sectors))
                {
                    if (sectors.ValueKind != JsonValueKind.Object)
                        throw Bad(path, $"{at}.sectors: expected {{\"first\": N, \"count\": N}}");
                    CheckKeys(path, sectors, at + ".sectors.", ["first", "count"]);
                    first = Number(path, sectors, at + ".sectors", "first") ?? 0;
                    count = Number(path, sectors, at + ".sectors", "count") ?? throw Bad(path, $"{at}.sectors.count: give the number of sectors");
                }
                var defines = new List<string>();
                if (guest.TryGetProperty("defines", out var defineObject))
                {
                    if (defineObject.ValueKind != JsonValueKind.Object)
                        throw Bad(path, $"{at}.defines: expected an object of NAME: value, e.g. {{\"N\": 40}}");
                    foreach (var define in defineObject.EnumerateObject())
                    {
                        if (define.Value.ValueKind != JsonValueKind.Number || !define.Value.TryGetInt64(out long value))
                            throw Bad(path, $"{at}.defines.{define.Name}: expected a whole number, got {define.Value.GetRawText()}");
                        defines.Add($"{define.Name}={value}");
                    }
                }
                long? weight = (long?)Number(path, guest, at, "weight");
                if (weight is < 1 or > 1000)
                    throw Bad(path, $"{at}.weight: {weight}: give a whole number from 1 to 1000");
                guests.Add(new DescribedGuest(
                    Relative(folder, image), String(path, guest, at, "memory"), String(path, guest, at, "layout"), (int?)weight,
                    first, count, String(path, guest, at, "input") is { } input ? Relative(folder, input) : null,
                    Number(path, guest, at, "maxInstructions"), defines));
                index++;
            }
            return new MachineDescription(
                String(path, root, "", "machineMemory"),
                String(path, root, "", "disk") is { } disk ? Relative(folder, disk) : null,
                Number(path, root, "", "sliceInstructions"),
                guests);
        }
    }

    private static string Relative(string folder, string path) => Path.IsPathRooted(path) ? path : Path.GetRelativePath(".", Path.Combine(folder, path));

    private static void CheckKeys(string path, JsonElement element, string at, string[] known)
    {
        foreach (var property in element.EnumerateObject())
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                throw Bad(path, $"{at}{property.Name}: unknown key (known: {string.Join(", ", known)})");
    }

    private static string? String(string path, JsonElement element, string at, string key)
    {
        if (!element.TryGetProperty(key, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String)
            throw Bad(path, $"{Key(at, key)}: expected a string, got {value.GetRawText()}");
        return value.GetString();
    }

    private static ulong? Number(string path, JsonElement element, string at, string key)
    {
        if (!element.TryGetProperty(key, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetUInt64(out ulong number))
            throw Bad(path, $"{Key(at, key)}: expected a whole number, 0 or more, got {value.GetRawText()}");
        return number;
    }

    private static string Key(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

    private static UserError Bad(string path, string message) => new($"{path}: {message}", ExitCodes.BadInput);
}
