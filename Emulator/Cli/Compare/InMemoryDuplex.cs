// Two connected in-memory streams, each end reading what the other writes: the link the Type 1
// vs Type 2 experiment migrates a guest over (R4.Snapshots.LiveMigration needs a duplex byte
// stream; `r4 migrate` uses loopback TCP). Reads block until bytes arrive or the other end is
// disposed (then 0, end of stream).
namespace R4.Cli.Compare;

public static class InMemoryDuplex
{
    public static (Stream A, Stream B) CreatePair()
    {
        var aToB = new Channel();
        var bToA = new Channel();
        return (new End(bToA, aToB), new End(aToB, bToA));
    }

    private sealed class Channel
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _headOffset;   // bytes of the first chunk already read
        private bool _closed;

        public void Write(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty) return;
            lock (_chunks)
            {
                _chunks.Enqueue(data.ToArray());
                System.Threading.Monitor.PulseAll(_chunks);
            }
        }

        public int Read(Span<byte> destination)
        {
            lock (_chunks)
            {
                while (_chunks.Count == 0 && !_closed) System.Threading.Monitor.Wait(_chunks);
                int copied = 0;
                while (copied < destination.Length && _chunks.Count > 0)
                {
                    var head = _chunks.Peek();
                    int count = Math.Min(destination.Length - copied, head.Length - _headOffset);
                    head.AsSpan(_headOffset, count).CopyTo(destination[copied..]);
                    copied += count;
                    _headOffset += count;
                    if (_headOffset == head.Length)
                    {
                        _chunks.Dequeue();
                        _headOffset = 0;
                    }
                }
                return copied;
            }
        }

        public void Close()
        {
            lock (_chunks)
            {
                _closed = true;
                System.Threading.Monitor.PulseAll(_chunks);
            }
        }
    }

    private sealed class End(Channel incoming, Channel outgoing) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => incoming.Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer) => incoming.Read(buffer);
        public override void Write(byte[] buffer, int offset, int count) => outgoing.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => outgoing.Write(buffer);
        public override void Flush() { }
        protected override void Dispose(bool disposing)
        {
            if (disposing) outgoing.Close();
            base.Dispose(disposing);
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
