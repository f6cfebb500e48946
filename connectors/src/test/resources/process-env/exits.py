import sys

print("cannot open the simulator: no licence", file=sys.stderr)
sys.exit(3)
