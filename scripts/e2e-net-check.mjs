// Reads the `strace -f -e trace=socket,connect,bind,execve,clone,clone3,fork,vfork` logs of an
// e2e run (scripts/e2e.sh --no-net) and checks invariant 7 for the desktop app: every process of
// the app (saksi-desktop and WebKit's web and network processes it starts, and the saksi CLI)
// may open AF_UNIX sockets (D-Bus, X11, WebKit's own IPC) and AF_NETLINK ones (the kernel's
// route/uevent notifications GLib listens to, which reach no other host), connect to AF_UNIX
// addresses (and to a loopback port the app itself bound) only, and bind an AF_INET/AF_INET6 socket only to a loopback address (WebKit's
// remote-automation server, which WebKitWebDriver switches on for the test harness). The
// harness (node, tauri-driver, WebKitWebDriver, xdotool, ImageMagick) may talk over loopback
// only. Prints a table per program; exits 1 on any breach.
//
//   node scripts/e2e-net-check.mjs TRACE...
import fs from 'node:fs';
import path from 'node:path';

const OURS = new Set(['saksi-desktop', 'WebKitWebProcess', 'WebKitNetworkProcess', 'saksi']);
const LOOPBACK = /inet_addr\("127\.\d+\.\d+\.\d+"\)|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\./;

export function analyse(text) {
  const prog = new Map();
  const pending = new Map(); // pid -> execve path not yet resumed
  const stats = new Map(); // program -> { sockets: Map(family -> n), connects: Map(dest -> n), binds: Map }
  const breaches = [];
  // Loopback connects of the app to a port the app itself bound (WebKit's automation server,
  // switched on by WebKitWebDriver): decided at the end, when every bind has been seen.
  const ownPorts = new Set();
  const loopConnects = [];
  const note = (p, kind, key) => {
    if (!stats.has(p)) stats.set(p, { socket: new Map(), connect: new Map(), bind: new Map() });
    const m = stats.get(p)[kind];
    m.set(key, (m.get(key) ?? 0) + 1);
  };
  for (const line of text.split('\n')) {
    const m = line.match(/^(\d+)\s+(.*)$/);
    if (!m) continue;
    const pid = m[1];
    const rest = m[2];
    let who = prog.get(pid) ?? '?';
    const ex = rest.match(/^execve\("([^"]+)"/);
    if (ex) {
      if (/\) = 0$/.test(rest)) prog.set(pid, path.basename(ex[1]));
      else if (/<unfinished \.\.\.>$/.test(rest)) pending.set(pid, path.basename(ex[1]));
      continue;
    }
    if (/^<\.\.\. execve resumed>/.test(rest)) {
      if (/ = 0$/.test(rest) && pending.has(pid)) prog.set(pid, pending.get(pid));
      pending.delete(pid);
      continue;
    }
    const cl = rest.match(/^(?:<\.\.\. )?(?:clone3?|fork|vfork)\b.*= (\d+)$/);
    if (cl) {
      prog.set(cl[1], who);
      continue;
    }
    const ours = OURS.has(who);
    const so = rest.match(/^socket\((AF_[A-Z0-9]+|\d+), ([^,)]+)/);
    if (so && !/= -1/.test(rest)) {
      note(who, 'socket', `${so[1]} ${so[2].replace(/\|SOCK_(CLOEXEC|NONBLOCK)/g, '')}`);
      if (ours && !['AF_UNIX', 'AF_NETLINK', 'AF_INET', 'AF_INET6'].includes(so[1])) {
        breaches.push(`${who} (${pid}) opened a ${so[1]} socket: ${rest}`);
      }
      // A datagram socket needs no connect to send: the app gets none of the internet families.
      if (ours && ['AF_INET', 'AF_INET6'].includes(so[1]) && !so[2].startsWith('SOCK_STREAM')) {
        breaches.push(`${who} (${pid}) opened a ${so[1]} ${so[2]} socket`);
      }
      continue;
    }
    const co = rest.match(/^(connect|bind)\(\d+, \{sa_family=(AF_[A-Z0-9]+)(.*?)\}/);
    if (co) {
      const [, call, fam, addr] = co;
      const dest = fam === 'AF_UNIX' ? 'AF_UNIX' : `${fam}${addr.replace(/sin6?_(flowinfo|scope_id)=[^,}]*,?\s*/g, '')}`;
      note(who, call, dest);
      const loop = LOOPBACK.test(addr);
      if (fam === 'AF_UNIX' || fam === 'AF_NETLINK') continue;
      const port = addr.match(/htons\((\d+)\)/)?.[1];
      if (ours && call === 'bind' && loop) ownPorts.add(port);
      if (ours && call === 'connect' && loop) loopConnects.push([port, `${who} (${pid}) connected to ${fam}${addr}`]);
      else if (ours && call === 'connect') breaches.push(`${who} (${pid}) connected to ${fam}${addr}`);
      else if (!loop && fam !== 'AF_UNSPEC') breaches.push(`${who} (${pid}) ${call} to a non-loopback ${fam}${addr}`);
    }
  }
  for (const [port, what] of loopConnects) if (!ownPorts.has(port)) breaches.push(what);
  return { stats, breaches };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node scripts/e2e-net-check.mjs TRACE...');
    process.exit(2);
  }
  let all = [];
  const table = new Map();
  for (const f of files) {
    const { stats, breaches } = analyse(fs.readFileSync(f, 'utf8'));
    all = all.concat(breaches);
    for (const [p, s] of stats) {
      if (!table.has(p)) table.set(p, { socket: new Map(), connect: new Map(), bind: new Map() });
      for (const k of ['socket', 'connect', 'bind']) {
        for (const [key, n] of s[k]) table.get(p)[k].set(key, (table.get(p)[k].get(key) ?? 0) + n);
      }
    }
  }
  for (const [p, s] of [...table].sort()) {
    const fmt = (m) => [...m].map(([k, n]) => `${k} ×${n}`).join(', ') || '-';
    console.log(`net-check: ${OURS.has(p) ? 'APP    ' : 'harness'} ${p}: socket: ${fmt(s.socket)}; connect: ${fmt(s.connect)}; bind: ${fmt(s.bind)}`);
  }
  if (all.length) {
    console.error(`net-check: ${all.length} breach(es) of "the app opens no network connection":`);
    for (const b of all.slice(0, 50)) console.error(`  ${b}`);
    process.exit(1);
  }
  console.log('net-check: held: the app used only local sockets (AF_UNIX, AF_NETLINK, loopback for the WebDriver harness)');
}
