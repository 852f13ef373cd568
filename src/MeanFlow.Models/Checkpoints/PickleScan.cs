using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace MeanFlow.Models.Checkpoints;

/// <summary>
/// Checks a PyTorch zip file before TorchSharp.PyBridge unpickles it: every entry's declared size is possible for its
/// compressed size, and every length-prefixed opcode of the pickle (data.pkl) declares no more bytes than remain.
/// The unpickler (Razorvine.Pickle) sizes its buffers by those declared lengths, so a 1 KB file could otherwise make it
/// allocate gigabytes. Only the opcodes' framing is checked here; what they build is the unpickler's business.
/// </summary>
internal static class PickleScan
{
    /// <summary>DEFLATE expands at most ~1032:1; stored entries (what torch.save writes) not at all.</summary>
    private const long MaxExpansion = 1100;

    internal static void Check(Stream stream)
    {
        var start = stream.Position;
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
        {
            foreach (var entry in zip.Entries)
            {
                if (entry.Length < 0 || entry.CompressedLength < 0 || entry.CompressedLength > stream.Length
                    || entry.Length > Math.Max(entry.CompressedLength, 1) * MaxExpansion)
                    throw new InvalidDataException($"The zip entry '{entry.FullName}' declares {entry.Length} bytes from {entry.CompressedLength} compressed.");
            }
            var pickles = zip.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList();
            if (pickles.Count == 0) throw new InvalidDataException("The zip archive has no data.pkl; it is not a PyTorch file.");
            foreach (var entry in pickles)
            {
                using var data = entry.Open();
                var bytes = new byte[entry.Length];
                data.ReadExactly(bytes);
                Opcodes(bytes, entry.FullName);
            }
        }
        stream.Position = start;
    }

    /// <summary>Walks the pickle's opcodes (protocols 0–5) up to STOP, checking each argument fits.</summary>
    private static void Opcodes(ReadOnlySpan<byte> pickle, string name)
    {
        var at = 0;
        while (true)
        {
            if (at >= pickle.Length) throw new InvalidDataException($"'{name}' ends without the pickle STOP opcode (truncated).");
            var opcode = pickle[at++];
            long argument = opcode switch
            {
                // No argument.
                (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or 0x88 or 0x89 or (byte)']' or (byte)'a' or (byte)'e'
                    or (byte)'l' or (byte)')' or (byte)'t' or 0x85 or 0x86 or 0x87 or (byte)'}' or (byte)'d' or (byte)'s' or (byte)'u'
                    or 0x8F or 0x90 or 0x91 or (byte)'o' or (byte)'b' or (byte)'R' or 0x81 or 0x92 or 0x93 or 0x94 or (byte)'Q'
                    or 0x97 or 0x98 => 0,
                (byte)'.' => -1,
                // Fixed-size arguments.
                (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => 1,
                (byte)'M' or 0x83 => 2,
                (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => 4,
                (byte)'G' or 0x95 => 8,
                // A length, then that many bytes.
                (byte)'U' or (byte)'C' or 0x8C or 0x8A => 1 + Length(pickle, at, 1, name),
                (byte)'T' or (byte)'B' or (byte)'X' or 0x8B => 4 + Length(pickle, at, 4, name),
                0x8E or 0x8D or 0x96 => 8 + Length(pickle, at, 8, name),
                // Newline-terminated text (GLOBAL and INST: two lines).
                (byte)'I' or (byte)'L' or (byte)'F' or (byte)'S' or (byte)'V' or (byte)'g' or (byte)'p' or (byte)'P' => Line(pickle, at, name),
                (byte)'c' or (byte)'i' => Line(pickle, at, name) is var first ? first + Line(pickle, at + (int)first, name) : 0,
                _ => throw new InvalidDataException($"'{name}' has the unknown pickle opcode 0x{opcode:X2} at offset {at - 1}."),
            };
            if (argument < 0) return;
            if (argument > pickle.Length - at)
                throw new InvalidDataException($"'{name}': the pickle opcode 0x{opcode:X2} at offset {at - 1} needs {argument} bytes; {pickle.Length - at} remain.");
            at += (int)argument;
        }
    }

    private static long Length(ReadOnlySpan<byte> pickle, int at, int width, string name)
    {
        if (pickle.Length - at < width) throw new InvalidDataException($"'{name}' is truncated inside a pickle length at offset {at}.");
        var field = pickle.Slice(at, width);
        long length = width switch
        {
            1 => field[0],
            4 => BinaryPrimitives.ReadInt32LittleEndian(field),
            _ => BinaryPrimitives.ReadInt64LittleEndian(field),
        };
        if (length < 0 || length > pickle.Length - at - width)
            throw new InvalidDataException($"'{name}' declares a pickle argument of {length} bytes at offset {at}; {pickle.Length - at - width} remain.");
        return length;
    }

    private static long Line(ReadOnlySpan<byte> pickle, int at, string name)
    {
        var end = pickle[at..].IndexOf((byte)'\n');
        if (end < 0) throw new InvalidDataException($"'{name}' has a pickle text argument without its newline at offset {at}.");
        return end + 1;
    }
}
