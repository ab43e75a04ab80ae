// node-llama-cpp lists prebuilt binaries for every platform as optional dependencies. A registry
// that lacks some of them (this project's does: macOS, Windows, riscv64) makes `npm install` drop
// their entries from package-lock.json, and `npm ci` then refuses the lock as out of sync. This
// puts the entries back with their os/cpu, so npm ci skips them on other platforms and installs
// them where they belong. Run it after any `npm install` that rewrites the lock:
//   node scripts/lock-platform-packages.cjs
const fs = require('fs');
const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const ver = pkgs['node_modules/node-llama-cpp'].version;
const missing = {
  'linux-riscv64': [['linux'], ['riscv64']],
  'mac-arm64-metal': [['darwin'], ['arm64']],
  'mac-x64': [['darwin'], ['x64']],
  'win-arm64': [['win32'], ['arm64']],
  'win-x64': [['win32'], ['x64']],
  'win-x64-cuda': [['win32'], ['x64']],
  'win-x64-cuda-ext': [['win32'], ['x64']],
  'win-x64-vulkan': [['win32'], ['x64']],
};
for (const [name, [os, cpu]] of Object.entries(missing)) {
  const key = `node_modules/@node-llama-cpp/${name}`;
  if (!pkgs[key]) pkgs[key] = { version: ver, cpu, license: 'MIT', optional: true, os, engines: { node: '>=20.0.0' } };
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
