"""The peer of the text benches: Debian's Python reading a JSON Lines file
with json.loads line by line (the usual first step of a training pipeline).
Prints the rows read."""
import json
import sys

n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.strip():
            json.loads(line)
            n += 1
print(n)
