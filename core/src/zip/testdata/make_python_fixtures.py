import io, zipfile

class Unseekable(io.RawIOBase):
    """Forces zipfile to stream: flag bit 3 and data descriptors with signature."""
    def __init__(self): self.buf = bytearray()
    def writable(self): return True
    def write(self, b): self.buf += b; return len(b)
    def seekable(self): return False

def info(name, method):
    zi = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
    zi.compress_type = method
    return zi

# 1. Seekable: local headers carry CRC and sizes; archive comment.
with zipfile.ZipFile('python.zip', 'w') as z:
    z.writestr(info('model.ini', zipfile.ZIP_DEFLATED), b'[info]\nalgo = glm\n' * 20)
    z.writestr(info('stored.bin', zipfile.ZIP_STORED), bytes(range(256)))
    z.writestr(info('empty', zipfile.ZIP_STORED), b'')
    z.writestr(info('dir/', zipfile.ZIP_STORED), b'')
    z.comment = b'made by python zipfile'

# 2. Unseekable: data descriptors, zeros in local headers.
out = Unseekable()
with zipfile.ZipFile(out, 'w') as z:
    for name, method, data in [('a.txt', zipfile.ZIP_DEFLATED, b'hello hello hello\n' * 10),
                               ('b.bin', zipfile.ZIP_STORED, b'\x00\x01\x02' * 5),
                               ('c.txt', zipfile.ZIP_DEFLATED, b'')]:
        with z.open(info(name, method), 'w') as f:
            f.write(data)
open('python_streamed.zip', 'wb').write(bytes(out.buf))

# 3. Zip64 forced: local headers with 0xFFFFFFFF sizes and a zip64 extra field holding them.
with zipfile.ZipFile('python_zip64.zip', 'w') as z:
    for name, method, data in [('model.ini', zipfile.ZIP_DEFLATED, b'[info]\nalgo = gbm\n' * 20),
                               ('stored.bin', zipfile.ZIP_STORED, bytes(range(256)))]:
        with z.open(info(name, method), 'w', force_zip64=True) as f:
            f.write(data)
