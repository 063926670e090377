// The JSON text of r4's reports (run/host --stats-json, compare --format json): documents made
// of dictionaries, arrays, lists and numbers, strings, booleans and nulls, written with
// Utf8JsonWriter exactly as JsonSerializer wrote them (same indentation, escaping and number
// forms) but without its reflection over the values' run-time types, which the Native AOT build
// of r4 cannot do (docs/performance.md, "Issue 14, aot stream").
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace R4.Cli;

public static class JsonText
{
    /// <summary>UTF-8 JSON of <paramref name="document"/>, indented with two spaces as
    /// JsonSerializer's WriteIndented. Any other kind of value (a record, an enum) throws
    /// NotSupportedException: a report must say what its JSON is made of.</summary>
    public static byte[] ToUtf8(object? document)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            Write(writer, document);
        return buffer.ToArray();
    }

    /// <summary>As <see cref="ToUtf8"/>, as a string.</summary>
    public static string ToText(object? document) => Encoding.UTF8.GetString(ToUtf8(document));

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string text: writer.WriteStringValue(text); break;
            case bool flag: writer.WriteBooleanValue(flag); break;
            case int number: writer.WriteNumberValue(number); break;
            case uint number: writer.WriteNumberValue(number); break;
            case long number: writer.WriteNumberValue(number); break;
            case ulong number: writer.WriteNumberValue(number); break;
            case short number: writer.WriteNumberValue(number); break;
            case ushort number: writer.WriteNumberValue(number); break;
            case byte number: writer.WriteNumberValue(number); break;
            case sbyte number: writer.WriteNumberValue(number); break;
            case double number: writer.WriteNumberValue(number); break;
            case float number: writer.WriteNumberValue(number); break;
            case decimal number: writer.WriteNumberValue(number); break;
            case JsonNode node: node.WriteTo(writer); break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(entry.Key as string ?? Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!);
                    Write(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                throw new NotSupportedException($"r4's JSON reports have no form for a {value.GetType().Name}");
        }
    }
}
