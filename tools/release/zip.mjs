// Writes a provider package: a zip archive holding exactly one file, marked as a Unix executable.
//
//   node tools/release/zip.mjs <archive.zip> <input file> <name in the archive> [<mtime, Unix seconds>]
//
// Why a Node.js script instead of `zip`: a fresh machine with Rust, Node.js and a standard Debian
// base has no `zip` (Debian's base images do not ship it), while Node.js is already required by the
// project and its built-in `zlib` does the compression. A Rust packager crate would be compiled on
// every CI run for a job that runs once per release.
//
// The archive is reproducible: the same input, name and mtime always give the same bytes (and so
// the same SHA-256 in SHA256SUMS and the same `zh:` hash in lock files). It is written under a
// temporary name and renamed into place, so a reader never sees half an archive.
//
// Format (APPNOTE.TXT): one local file header + deflated data, one central directory entry, the
// end-of-central-directory record. The entry is "made by" Unix (host 3) with the file mode in the
// high 16 bits of the external attributes; that is where Go's archive/zip (Terraform, OpenTofu)
// and Info-ZIP's unzip read the permissions they restore on extraction. No ZIP64: provider
// binaries are far below 4 GiB, and larger input is refused.

import { readFileSync, writeFileSync, renameSync, unlinkSync } from "node:fs";
import * as zlib from "node:zlib";

const MODE = 0o100755; // regular file, rwxr-xr-x
const MADE_BY = (3 << 8) | 20; // Unix, spec 2.0
const NEEDED = 20; // deflate needs 2.0
const DEFLATE = 8;
const LIMIT = 0xffffffff;

function usage(message) {
  process.stderr.write(
    `zip.mjs: ${message}\nusage: node zip.mjs <archive.zip> <input file> <name in archive> [<mtime seconds>]\n`,
  );
  process.exit(2);
}

// zlib.crc32 exists from Node.js 20.15 / 22.2; older versions get the table-driven CRC-32.
let crcTable;
function crc32(buf) {
  if (typeof zlib.crc32 === "function") return zlib.crc32(buf) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// MS-DOS date and time (2-second resolution, 1980-2107), in UTC so the bytes do not depend on the
// machine's time zone.
function dosDateTime(seconds) {
  const d = new Date(seconds * 1000);
  let year = d.getUTCFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0 }; // 1980-01-01 00:00:00
  if (year > 2107) year = 2107;
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  return { date, time };
}

const [archive, input, name, mtimeArg] = process.argv.slice(2);
if (!archive || !input || !name) usage("missing arguments");
if (name.includes("/") || name.includes("\\")) usage(`the name in the archive must be a plain file name: ${name}`);
const mtime = mtimeArg === undefined ? Math.floor(Date.now() / 1000) : Number(mtimeArg);
if (!Number.isInteger(mtime) || mtime < 0) usage(`bad mtime ${mtimeArg}`);

const data = readFileSync(input);
if (data.length >= LIMIT) usage(`${input} is too large for a zip without ZIP64`);
const packed = zlib.deflateRawSync(data, { level: 6 });
const crc = crc32(data);
const { date, time } = dosDateTime(mtime);
const fileName = Buffer.from(name, "ascii");

const local = Buffer.alloc(30);
local.writeUInt32LE(0x04034b50, 0); // local file header signature
local.writeUInt16LE(NEEDED, 4);
local.writeUInt16LE(0, 6); // flags: sizes and CRC are in this header, no data descriptor
local.writeUInt16LE(DEFLATE, 8);
local.writeUInt16LE(time, 10);
local.writeUInt16LE(date, 12);
local.writeUInt32LE(crc, 14);
local.writeUInt32LE(packed.length, 18);
local.writeUInt32LE(data.length, 22);
local.writeUInt16LE(fileName.length, 26);
local.writeUInt16LE(0, 28); // no extra field

const central = Buffer.alloc(46);
central.writeUInt32LE(0x02014b50, 0); // central directory header signature
central.writeUInt16LE(MADE_BY, 4);
central.writeUInt16LE(NEEDED, 6);
central.writeUInt16LE(0, 8);
central.writeUInt16LE(DEFLATE, 10);
central.writeUInt16LE(time, 12);
central.writeUInt16LE(date, 14);
central.writeUInt32LE(crc, 16);
central.writeUInt32LE(packed.length, 20);
central.writeUInt32LE(data.length, 24);
central.writeUInt16LE(fileName.length, 28);
central.writeUInt16LE(0, 30); // extra field length
central.writeUInt16LE(0, 32); // comment length
central.writeUInt16LE(0, 34); // disk number
central.writeUInt16LE(0, 36); // internal attributes: binary
central.writeUInt32LE((MODE << 16) >>> 0, 38); // external attributes: Unix mode
central.writeUInt32LE(0, 42); // offset of the local header

const centralOffset = local.length + fileName.length + packed.length;
if (centralOffset >= LIMIT) usage(`${input} compresses to more than a zip without ZIP64 holds`);
const centralSize = central.length + fileName.length;

const end = Buffer.alloc(22);
end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
end.writeUInt16LE(0, 4); // this disk
end.writeUInt16LE(0, 6); // disk with the central directory
end.writeUInt16LE(1, 8); // entries on this disk
end.writeUInt16LE(1, 10); // entries in all
end.writeUInt32LE(centralSize, 12);
end.writeUInt32LE(centralOffset, 16);
end.writeUInt16LE(0, 20); // no comment

const tmp = `${archive}.tmp-${process.pid}`;
try {
  writeFileSync(tmp, Buffer.concat([local, fileName, packed, central, fileName, end]));
  renameSync(tmp, archive);
} catch (err) {
  try {
    unlinkSync(tmp);
  } catch {
    // nothing to clean up
  }
  throw err;
}
