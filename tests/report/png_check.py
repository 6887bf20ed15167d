"""Decodes a PNG (8-bit RGB or RGBA, as Chromium writes screenshots) with
the standard library only, and prints what the render test asserts on:

    png_check.py FILE X,Y [X,Y ...]
    -> WIDTH HEIGHT DISTINCT_COLOURS R,G,B [R,G,B ...]

DISTINCT_COLOURS counts the colours of every pixel; the R,G,B triples are
the pixels at the given coordinates. decode_bytes() (8-bit grey too) is
imported by the report tests to read the pictures embedded in reports."""
import struct
import sys
import zlib


def decode(path):
    return decode_bytes(open(path, "rb").read(), path)


def decode_bytes(data, path="PNG"):
    """(width, height, bytes per pixel, rows of bytes) of an 8-bit grey,
    RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("%s: not a PNG" % path)
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (0, 2, 6) or interlace:
        raise SystemExit("%s: unsupported PNG (depth %d, colour type %d)" % (path, depth, ctype))
    bpp = {0: 1, 2: 3, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main():
    width, height, bpp, rows = decode(sys.argv[1])
    colours = set()
    for line in rows:
        for x in range(0, len(line), bpp):
            colours.add(bytes(line[x:x + 3]))
    out = [str(width), str(height), str(len(colours))]
    for xy in sys.argv[2:]:
        x, y = (int(v) for v in xy.split(","))
        px = rows[y][x * bpp:x * bpp + 3]
        out.append("%d,%d,%d" % tuple(px))
    print(" ".join(out))


if __name__ == "__main__":
    main()
