# Run a command with stdin, stdout and stderr on a real pseudo-terminal (200 columns) and print,
# as JSON, what the terminal received (base64, in order) and how the command exited.
# usage: python3 pty-run.py [--stdout-file PATH] COMMAND [ARGS...]
#   --stdout-file: stdout goes to that file instead (stderr stays on the terminal).
import base64, fcntl, json, os, pty, struct, subprocess, sys, termios

args = sys.argv[1:]
stdout_file = None
if args[:1] == ["--stdout-file"]:
    stdout_file, args = args[1], args[2:]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
out = open(stdout_file, "wb") if stdout_file else slave
proc = subprocess.Popen(args, stdin=slave, stdout=out, stderr=slave, close_fds=True)
os.close(slave)
received = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every slave end closed
        break
    if not chunk:
        break
    received += chunk
status = proc.wait()
print(json.dumps({"status": status, "terminal": base64.b64encode(bytes(received)).decode()}))
