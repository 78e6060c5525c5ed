// A child that writes a 20,000-byte stderr line (in two writes) and then a short one, and never answers on stdout:
// the bridge must cut the long line at 8 KiB and still log the next one. It exits when its stdin ends.
process.stderr.write('a'.repeat(10_000));
process.stderr.write(`${'b'.repeat(10_000)}\n`);
process.stderr.write('short line\n');
process.stdin.resume();
