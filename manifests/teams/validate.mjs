// Validate a Teams app package (the zip from `supervision-bot teams-package`) or a manifest.json
// offline, against Microsoft's own JSON schema bundled in @microsoft/app-manifest. For a zip the
// icons are checked too: colour 192x192, outline 32x32 with transparency.
//
//   npm ci --prefix manifests/teams
//   node manifests/teams/validate.mjs build/teams-app.zip
//
// Exits 0 when valid; otherwise prints every problem and exits 1.
import { AppManifestUtils } from "@microsoft/app-manifest";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const ICON_SIZES = { color: 192, outline: 32 };

// ---- A minimal zip reader: the central directory, stored or deflated entries. ----------------
function readZip(buffer) {
  const endSignature = 0x06054b50;
  let end = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 65557); i--) {
    if (buffer.readUInt32LE(i) === endSignature) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("not a zip file (no end of central directory)");
  const count = buffer.readUInt16LE(end + 10);
  let offset = buffer.readUInt32LE(end + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buffer.readUInt32LE(offset) !== 0x02014b50) throw new Error("corrupt zip directory");
    const method = buffer.readUInt16LE(offset + 10);
    const compressedSize = buffer.readUInt32LE(offset + 20);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const localOffset = buffer.readUInt32LE(offset + 42);
    const name = buffer.toString("utf8", offset + 46, offset + 46 + nameLength);
    const localNameLength = buffer.readUInt16LE(localOffset + 26);
    const localExtraLength = buffer.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLength + localExtraLength;
    const raw = buffer.subarray(start, start + compressedSize);
    if (method === 0) entries.set(name, raw);
    else if (method === 8) entries.set(name, zlib.inflateRawSync(raw));
    else throw new Error(`${name}: unsupported zip compression method ${method}`);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

// ---- PNG header: size and whether it can be transparent. -------------------------------------
function pngInfo(bytes) {
  const signature = "89504e470d0a1a0a";
  if (bytes.length < 33 || bytes.subarray(0, 8).toString("hex") !== signature) return null;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colourType = bytes[25];
  // Colour types 4 and 6 carry alpha; any other type is transparent only with a tRNS chunk.
  const transparent = colourType === 4 || colourType === 6 || bytes.includes(Buffer.from("tRNS"));
  return { width, height, transparent };
}

function checkIcons(manifest, files) {
  const problems = [];
  for (const [kind, size] of Object.entries(ICON_SIZES)) {
    const name = manifest.icons?.[kind];
    if (!name) continue; // the schema reports a missing icon
    const bytes = files.get(name);
    if (!bytes) {
      problems.push(`icons.${kind}: ${name} is not in the package`);
      continue;
    }
    const info = pngInfo(bytes);
    if (!info) problems.push(`icons.${kind}: ${name} is not a PNG`);
    else if (info.width !== size || info.height !== size)
      problems.push(`icons.${kind}: ${name} is ${info.width}x${info.height}, not ${size}x${size}`);
    else if (kind === "outline" && !info.transparent)
      problems.push(`icons.outline: ${name} has no transparency`);
  }
  return problems;
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node validate.mjs <teams-app.zip | manifest.json>");
    process.exit(2);
  }
  const bytes = fs.readFileSync(file);
  let manifest;
  let files = null;
  if (path.extname(file).toLowerCase() === ".zip") {
    files = readZip(bytes);
    if (!files.has("manifest.json")) throw new Error("manifest.json is not at the zip's root");
    manifest = JSON.parse(files.get("manifest.json").toString("utf8"));
  } else {
    manifest = JSON.parse(bytes.toString("utf8"));
  }
  const problems = [...(await AppManifestUtils.validateAgainstSchema(manifest))];
  if (files) problems.push(...checkIcons(manifest, files));
  if (problems.length) {
    console.error(`${file}: ${problems.length} problem(s)`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log(`${file}: valid against ${manifest.$schema}${files ? " (icons checked)" : ""}`);
}

main().catch((error) => {
  console.error(`${process.argv[2] ?? "validate.mjs"}: ${error.message}`);
  process.exit(1);
});
