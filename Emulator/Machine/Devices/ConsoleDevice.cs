// The console (ports 0x00 data, 0x01 status; IRQ 17): guest output to MachineOptions.ConsoleOutput,
// guest input from MachineOptions.ConsoleInput.
//
// Output: each write's low byte goes into a buffer that is flushed when full, by Flush() (the
// bus calls it at power-off, before a debug-port line, and on Dispose) and, when input is
// interactive (a person at a terminal), at each newline and whenever the guest looks at input.
//
// Input, non-interactive (a file or a pipe): every byte counts as available from the start.
// The device never asks whether a byte has *arrived*; it asks the stream for the next byte and
// waits for it (or for end of input). So what the guest sees — availability, data, IRQ 17 —
// depends only on the bytes and the guest's own instructions, never on host timing: runs are
// deterministic even when a slow pipe feeds them.
// Input, interactive (a terminal): a background thread (started at the guest's first look at
// the console ports, so a guest that never reads does not consume the terminal) queues bytes as
// they are typed. The guest-visible input changes only at sampling points: each In of port 0x00
// or 0x01 and each Tick. While the input IRQ is enabled and nothing is visible, the device asks
// for a Tick every InteractivePollInstructions retired instructions.
//
// IRQ 17 is a level: requested while the enable bit (port 0x01 bit0) is set and input is
// available. It is re-requested after the CPU takes it while input remains, and withdrawn when
// the guest reads the last available byte or clears the enable bit — so a handler that drains
// the input is not interrupted again for input it has already read.
using R4.Isa;

namespace R4.Machine.Devices;

public sealed class ConsoleDevice : IDisposable
{
    public const ulong InteractivePollInstructions = 10_000;
    private const int OutputBufferBytes = 4096;
    private const int InputChunkBytes = 4096;

    private readonly Stream? input;
    private readonly Stream? output;
    private readonly InterruptRequests interrupts;
    private readonly byte[] outputBuffer = new byte[OutputBufferBytes];
    private int outputCount;
    private bool outputBroken; // the output stream failed (e.g. a closed pipe): output is dropped

    // Input the guest can see: inputBuffer[inputStart..inputEnd).
    private byte[] inputBuffer = new byte[InputChunkBytes];
    private int inputStart, inputEnd;
    private bool inputEnded;

    // Interactive only: bytes typed but not yet sampled, shared with the reader thread.
    private readonly object arrivedLock = new(); // also signalled (Monitor.PulseAll) on arrival
    private readonly List<byte> arrived = [];
    private bool readerEnded; // guarded by arrivedLock
    private Thread? reader;
    private ulong lastSampleInstret;

    public ConsoleDevice(Stream? input, bool interactive, Stream? output, InterruptRequests interrupts)
    {
        this.input = input;
        this.output = output;
        this.interrupts = interrupts;
        Interactive = interactive && input is not null;
        inputEnded = input is null;
    }

    public bool Interactive { get; }
    public bool InputInterruptEnabled { get; private set; }
    public ulong BytesWritten { get; private set; }

    /// <summary>True once writing the output stream failed (e.g. a pipe whose reader closed):
    /// the CPU then stops the run (StopReason.OutputClosed) at the next boundary.</summary>
    public bool OutputBroken => outputBroken;
    public ulong BytesRead { get; private set; }

    /// <summary>Port 0x00 read: the next input byte, or 0xFFFFFFFF when none is available.</summary>
    public uint ReadData(ulong instret)
    {
        Sample(instret);
        if (!InputAvailable())
            return 0xFFFF_FFFF;
        byte value = inputBuffer[inputStart++];
        BytesRead++;
        UpdateInterruptLevel();
        return value;
    }

    /// <summary>Port 0x01 read: bit0 = input available.</summary>
    public uint ReadStatus(ulong instret)
    {
        Sample(instret);
        return InputAvailable() ? 1u : 0u;
    }

    public void WriteData(uint value)
    {
        byte b = (byte)value;
        outputBuffer[outputCount++] = b;
        BytesWritten++;
        if (outputCount == outputBuffer.Length || (Interactive && b == (byte)'\n'))
            Flush();
    }

    /// <summary>Port 0x01 write: bit0 enables IRQ 17.</summary>
    public void WriteControl(uint value, ulong instret)
    {
        InputInterruptEnabled = (value & 1) != 0;
        if (InputInterruptEnabled)
            Sample(instret);
        UpdateInterruptLevel();
    }

    /// <summary>Reset: the input IRQ disabled. Input already read stays read (the host's
    /// streams are not rewound); buffered output is kept and written on the next flush.</summary>
    public void Reset()
    {
        InputInterruptEnabled = false;
        lastSampleInstret = 0;
        UpdateInterruptLevel();
    }

    /// <summary>Interactive input: takes in what was typed since the last sample.</summary>
    public void Tick(ulong instret)
    {
        if (Interactive && InputInterruptEnabled)
        {
            Sample(instret);
            UpdateInterruptLevel();
        }
    }

    /// <summary>When the bus must call Tick next for this device (ulong.MaxValue: never).</summary>
    public ulong NextEventInstret =>
        Interactive && InputInterruptEnabled && inputStart == inputEnd && !inputEnded
            ? lastSampleInstret + InteractivePollInstructions
            : ulong.MaxValue;

    /// <summary>True while IRQ 17 may still be requested: enabled, and input is available
    /// or may still arrive (a non-interactive source that has ended never raises it again).</summary>
    public bool CanInterrupt => InputInterruptEnabled && (InputAvailable() || (Interactive && !inputEnded));

    /// <summary>Writes buffered output to the output stream.</summary>
    public void Flush()
    {
        if (outputCount == 0)
            return;
        if (output is not null && !outputBroken)
        {
            // The guest cannot be told about a host-side failure: the console swallows output
            // from now on and the CPU stops the run at its next boundary (OutputBroken).
            try
            {
                output.Write(outputBuffer, 0, outputCount);
                output.Flush();
            }
            catch (IOException) { outputBroken = true; }
        }
        outputCount = 0;
    }

    /// <summary>Blocks the host (not the guest) until typed input (or its end) arrives, at most
    /// <paramref name="timeout"/> (Timeout.InfiniteTimeSpan: no limit); true when it did. For a
    /// CPU idling in `hlt` on interactive input. Nothing becomes visible to the guest here.</summary>
    public bool WaitForHostInput(TimeSpan timeout)
    {
        if (!Interactive)
            return false;
        StartReader();
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (arrivedLock)
        {
            while (arrived.Count == 0 && !readerEnded)
            {
                if (forever)
                {
                    Monitor.Wait(arrivedLock);
                    continue;
                }
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(arrivedLock, (int)Math.Min(left, int.MaxValue)))
                    return false;
            }
            return true;
        }
    }

    private void UpdateInterruptLevel() =>
        interrupts.SetLevel(Vectors.ConsoleInput, InputInterruptEnabled && InputAvailable());

    // Is a byte available? Interactive: among the sampled bytes. Non-interactive: waits for the
    // stream's next byte or its end (the guest sees input as all there from the start).
    private bool InputAvailable()
    {
        if (inputStart < inputEnd)
            return true;
        if (inputEnded || Interactive)
            return false;
        inputStart = 0;
        inputEnd = 0;
        try
        {
            inputEnd = input!.Read(inputBuffer, 0, inputBuffer.Length);
        }
        catch (IOException)
        {
            inputEnd = 0;
        }
        inputEnded = inputEnd == 0;
        return !inputEnded;
    }

    // The sampling point: makes bytes typed so far visible to the guest (interactive only);
    // for non-interactive input it pulls the next byte in, so CanInterrupt and the IRQ level
    // are exact.
    private void Sample(ulong instret)
    {
        lastSampleInstret = instret;
        if (!Interactive)
        {
            InputAvailable();
            return;
        }
        Flush(); // a prompt must be visible before the guest waits for the answer
        StartReader();
        lock (arrivedLock)
        {
            if (arrived.Count > 0)
            {
                int visible = inputEnd - inputStart;
                if (visible + arrived.Count > inputBuffer.Length)
                    Array.Resize(ref inputBuffer, Math.Max(inputBuffer.Length * 2, visible + arrived.Count));
                Array.Copy(inputBuffer, inputStart, inputBuffer, 0, visible);
                arrived.CopyTo(inputBuffer, visible);
                inputStart = 0;
                inputEnd = visible + arrived.Count;
                arrived.Clear();
            }
            inputEnded = readerEnded;
        }
    }

    private void StartReader()
    {
        if (reader is not null)
            return;
        // A background thread: a blocking read of a terminal cannot be cancelled, so the thread
        // must not keep the process alive after the machine is gone.
        reader = new Thread(ReadTypedInput) { IsBackground = true, Name = "r4 console input" };
        reader.Start();
    }

    private void ReadTypedInput()
    {
        var chunk = new byte[256];
        while (true)
        {
            int read;
            try { read = input!.Read(chunk, 0, chunk.Length); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { read = 0; }
            lock (arrivedLock)
            {
                if (read == 0)
                    readerEnded = true;
                else
                    arrived.AddRange(chunk.AsSpan(0, read));
                Monitor.PulseAll(arrivedLock);
            }
            if (read == 0)
                return;
        }
    }

    /// <summary>What a snapshot keeps of the console (R4.Snapshots): the input IRQ enable, the
    /// last sampling point, the counters and the input bytes already taken from the stream but
    /// not yet read by the guest. Buffered output is flushed first.</summary>
    public ConsoleDeviceState CaptureState()
    {
        Flush();
        return new ConsoleDeviceState(InputInterruptEnabled, lastSampleInstret, BytesRead, BytesWritten,
            inputBuffer.AsSpan(inputStart, inputEnd - inputStart).ToArray(), inputEnded);
    }

    /// <summary>Puts back a snapshot's console: <paramref name="state"/>'s pending input comes
    /// before whatever this device's input stream still holds. <paramref name="inputEnded"/>
    /// says the stream has nothing more (a snapshot whose input had ended).</summary>
    public void RestoreState(ConsoleDeviceState state, bool inputEnded)
    {
        InputInterruptEnabled = state.InputInterruptEnabled;
        lastSampleInstret = state.LastSampleInstret;
        BytesRead = state.BytesRead;
        BytesWritten = state.BytesWritten;
        if (inputBuffer.Length < state.PendingInput.Length)
            inputBuffer = new byte[state.PendingInput.Length];
        state.PendingInput.CopyTo(inputBuffer, 0);
        inputStart = 0;
        inputEnd = state.PendingInput.Length;
        this.inputEnded = inputEnded || input is null;
        UpdateInterruptLevel();
    }

    public void Dispose()
    {
        Flush();
    }
}
