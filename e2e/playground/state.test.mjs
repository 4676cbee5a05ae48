// Unit tests of web/ts/state.ts, the playground's document: bundled by
// state_test.go (esbuild, for Node) and run under Node's own assert.
// Each failure prints "FAIL name: reason"; the script exits 1 if any.

import assert from 'node:assert/strict';
import {
  changesStatus,
  decodeFragment,
  encodeFragment,
  exampleRequest,
  formatExpect,
  formatRequest,
  normalizeDoc,
  outcomeText,
  parseExpect,
  parseRequestLines,
  parseTxtar,
  sameTables,
  testFile,
  validRule,
} from '../../web/ts/state.ts';

let failed = 0;
let passed = 0;
async function test(name, f) {
  try {
    await f();
    passed++;
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${(e && e.message) || e}`);
  }
}

// One line, read alone: its request, or its error.
function one(line) {
  const { requests, errors } = parseRequestLines(line + '\n');
  return { request: requests[0], n: requests.length, errors };
}

await test('parseRequestLines: the forms without an expectation', () => {
  assert.deepEqual(one('sshd 10.0.0.1').request, { daemon: 'sshd', client: '10.0.0.1' });
  assert.deepEqual(one('sshd@10.1.0.1 alice@host.example').request, { daemon: 'sshd', server: '10.1.0.1', user: 'alice', client: 'host.example' });
  assert.deepEqual(one('hosts_ctl sendmail "" 10.0.0.1 bob').request, { ctl: { daemon: 'sendmail', name: '', addr: '10.0.0.1', user: 'bob' } });
  assert.deepEqual(one('tcpdmatch -d in.ftpd 10.0.0.2').request, { daemon: 'in.ftpd', client: '10.0.0.2' });
  assert.deepEqual(one('Nov 24 10:00:00 host sshd[812]: refused connect from 192.0.2.7 (192.0.2.7)').request, { daemon: 'sshd', client: '192.0.2.7' });
  // Two words are always a request: a daemon called denied.
  assert.deepEqual(one('denied 10.0.0.1').request, { daemon: 'denied', client: '10.0.0.1' });
  assert.deepEqual(one('granted hosts_ctl').request, { daemon: 'granted', client: 'hosts_ctl' });
  assert.equal(one('# a comment').n, 0);
  assert.equal(one('sshd a b').errors.length, 1);
});

await test('parseRequestLines: expectation lines as tcpwrap test reads them', () => {
  const cases = [
    ['denied sshd 10.0.0.9 by hosts.deny:1', { daemon: 'sshd', client: '10.0.0.9', expect: { access: 'denied', rule: 'hosts.deny:1' } }],
    ['granted sshd 10.0.0.1', { daemon: 'sshd', client: '10.0.0.1', expect: { access: 'granted' } }],
    ['granted in.ftpd@10.1.0.1 bob@host.example', { daemon: 'in.ftpd', server: '10.1.0.1', user: 'bob', client: 'host.example', expect: { access: 'granted' } }],
    ['granted hosts_ctl sendmail mail.example.com 10.0.0.1', { ctl: { daemon: 'sendmail', name: 'mail.example.com', addr: '10.0.0.1', user: '' }, expect: { access: 'granted' } }],
    ['delegated hosts_ctl sendmail "" 10.0.0.1 alice by none', { ctl: { daemon: 'sendmail', name: '', addr: '10.0.0.1', user: 'alice' }, expect: { access: 'delegated', rule: 'none' } }],
    ['denied\tsshd   10.0.0.9 by hosts.allow:999999999', { daemon: 'sshd', client: '10.0.0.9', expect: { access: 'denied', rule: 'hosts.allow:999999999' } }],
    // A word starting with # ends the line, as in tcpwrap test.
    ['denied sshd 10.0.0.9 # the intern', { daemon: 'sshd', client: '10.0.0.9', expect: { access: 'denied' } }],
    ['denied sshd 10.0.0.9 by hosts.deny:1 #x', { daemon: 'sshd', client: '10.0.0.9', expect: { access: 'denied', rule: 'hosts.deny:1' } }],
    // A daemon called denied, expected denied.
    ['denied denied 10.0.0.1', { daemon: 'denied', client: '10.0.0.1', expect: { access: 'denied' } }],
  ];
  for (const [line, want] of cases) {
    const got = one(line);
    assert.deepEqual(got.errors, [], line);
    assert.deepEqual(got.request, want, line);
  }
});

await test('parseRequestLines: a malformed expectation line is an error naming its line, the others are read', () => {
  const bad = [
    ['denied sshd 10.0.0.9 by hosts.deny', 'want hosts.allow:N, hosts.deny:N or none after by, got "hosts.deny"'],
    ['denied sshd 10.0.0.9 by hosts.deny:0', 'got "hosts.deny:0"'],
    ['denied sshd 10.0.0.9 by hosts.deny:01', 'got "hosts.deny:01"'],
    ['denied sshd 10.0.0.9 by hosts.deny:1234567890', 'got "hosts.deny:1234567890"'],
    ['denied sshd 10.0.0.9 by /etc/hosts.deny:1', 'got "/etc/hosts.deny:1"'],
    ['denied sshd 10.0.0.9 by NONE', 'got "NONE"'],
    ['denied sshd 10.0.0.9 by', 'want DAEMON[@SERVER] [USER@]CLIENT after denied, got 3 words'],
    ['denied sshd by hosts.deny:1', 'want DAEMON[@SERVER] [USER@]CLIENT after denied, got 1 word'],
    ['granted by hosts.allow:1', 'want a request after granted'],
    ['granted hosts_ctl a b', 'want hosts_ctl DAEMON NAME ADDR [USER], got 2 words after hosts_ctl'],
    ['granted hosts_ctl a b c d e', 'want hosts_ctl DAEMON NAME ADDR [USER], got 5 words after hosts_ctl'],
    ['denied hosts_ctl 10.0.0.1', 'want hosts_ctl DAEMON NAME ADDR [USER], got 1 word after hosts_ctl'],
    ['denied sshd # comment', 'got 1 word'],
  ];
  for (const [line, want] of bad) {
    const { requests, errors } = parseRequestLines('sshd 10.0.0.1\n' + line + '\ngranted sshd 10.0.0.2\n');
    assert.equal(requests.length, 2, line);
    assert.equal(errors.length, 1, line);
    assert.ok(errors[0].startsWith('line 2: '), `${line}: ${errors[0]}`);
    assert.ok(errors[0].includes(want), `${line}: ${errors[0]} does not say ${want}`);
  }
  // Not a verdict: not an expectation line, so not a request either.
  assert.equal(one('refused sshd 10.0.0.9').errors.length, 1);
});

await test('formatRequest: what parseRequestLines reads back, the expectation included', () => {
  const reqs = [
    { daemon: 'sshd', client: '10.0.0.1' },
    { daemon: 'sshd', server: '10.1.0.1', user: 'alice', client: 'host.example' },
    { daemon: 'denied', client: '10.0.0.1' },
    { ctl: { daemon: 'sendmail', name: '', addr: '10.0.0.1', user: '' } },
    { daemon: 'sshd', client: '10.0.0.9', expect: { access: 'denied', rule: 'hosts.deny:1' } },
    { daemon: 'denied', client: '10.0.0.9', expect: { access: 'granted' } },
    { daemon: 'in.ftpd', server: 's', user: 'bob', client: 'c', expect: { access: 'delegated', rule: 'none' } },
    { ctl: { daemon: 'sendmail', name: 'mail.example.com', addr: '10.0.0.1', user: '' }, expect: { access: 'granted' } },
    { ctl: { daemon: 'sendmail', name: '', addr: '', user: 'alice' }, expect: { access: 'denied', rule: 'hosts.allow:12' } },
  ];
  for (const r of reqs) {
    const line = formatRequest(r);
    const { requests, errors } = parseRequestLines(line);
    assert.deepEqual(errors, [], line);
    assert.deepEqual(requests, [r], line);
  }
  assert.equal(formatRequest(reqs[4]), 'denied sshd 10.0.0.9 by hosts.deny:1');
  assert.equal(formatRequest(reqs[7]), 'granted hosts_ctl sendmail mail.example.com 10.0.0.1');
  // The widget's requests text: every line back, in order.
  const text = reqs.map(formatRequest).join('\n') + '\n';
  assert.deepEqual(parseRequestLines(text).requests, reqs);
});

await test('parseExpect and formatExpect: the expect column, the end of a tcpwrap test line', () => {
  assert.deepEqual(parseExpect(''), { expect: null });
  assert.deepEqual(parseExpect('   '), { expect: null });
  assert.deepEqual(parseExpect('denied'), { expect: { access: 'denied' } });
  assert.deepEqual(parseExpect(' granted  by  none '), { expect: { access: 'granted', rule: 'none' } });
  assert.deepEqual(parseExpect('delegated by hosts.allow:3'), { expect: { access: 'delegated', rule: 'hosts.allow:3' } });
  for (const [text, want] of [
    ['refused', 'want granted, denied or delegated, got "refused"'],
    ['Denied', 'got "Denied"'],
    ['denied by', 'want VERDICT or VERDICT by RULE'],
    ['denied hosts.deny:1', 'want VERDICT or VERDICT by RULE'],
    ['denied by hosts.deny:0', 'want hosts.allow:N, hosts.deny:N or none after by, got "hosts.deny:0"'],
    ['denied by hosts.deny:1 x', 'want VERDICT or VERDICT by RULE'],
  ]) {
    const p = parseExpect(text);
    assert.equal(p.expect, null, text);
    assert.ok(p.error && p.error.includes(want), `${text}: ${p.error}`);
  }
  for (const e of [{ access: 'denied' }, { access: 'granted', rule: 'hosts.deny:7' }, { access: 'delegated', rule: 'none' }]) {
    assert.deepEqual(parseExpect(formatExpect(e)), { expect: e });
  }
  assert.equal(formatExpect({ access: 'denied', rule: 'hosts.deny:1' }), 'denied by hosts.deny:1');
  for (const r of ['none', 'hosts.allow:1', 'hosts.deny:999999999']) assert.ok(validRule(r), r);
  for (const r of ['', 'None', 'hosts.allow', 'hosts.allow:', 'hosts.allow:0', 'hosts.allow:01', 'hosts.allow:1000000000', 'hosts.allow:1a', 'hosts.other:1', 'hosts.allow:+1']) assert.ok(!validRule(r), r);
});

await test('normalizeDoc keeps an expectation whose access is a verdict, its rule when a non-empty string', () => {
  const doc = normalizeDoc({
    requests: [
      { daemon: 'sshd', client: 'a', expect: { access: 'denied', rule: 'hosts.deny:1' } },
      { daemon: 'sshd', client: 'b', expect: { access: 'granted', rule: '' } },
      { daemon: 'sshd', client: 'c', expect: { access: 'refused', rule: 'hosts.deny:1' } },
      { daemon: 'sshd', client: 'd', expect: { access: 'delegated', rule: 7 } },
      { daemon: 'sshd', client: 'e', expect: { access: 'granted', rule: 'bogus' } },
      { daemon: 'sshd', client: 'f', expect: 'denied' },
      { daemon: 'sshd', client: 'g', expect: null },
      { ctl: { daemon: 'sendmail', name: 'm', addr: '10.0.0.1', user: '' }, expect: { access: 'granted', rule: 'none', extra: 1 } },
      { ctl: { daemon: 'sendmail', name: 'm', addr: '10.0.0.1', user: '' } },
    ],
  });
  assert.deepEqual(doc.requests, [
    { daemon: 'sshd', client: 'a', expect: { access: 'denied', rule: 'hosts.deny:1' } },
    { daemon: 'sshd', client: 'b', expect: { access: 'granted' } },
    { daemon: 'sshd', client: 'c' },
    { daemon: 'sshd', client: 'd', expect: { access: 'delegated' } },
    // Kept: the evaluation says what is wrong with it.
    { daemon: 'sshd', client: 'e', expect: { access: 'granted', rule: 'bogus' } },
    { daemon: 'sshd', client: 'f' },
    { daemon: 'sshd', client: 'g' },
    { ctl: { daemon: 'sendmail', name: 'm', addr: '10.0.0.1', user: '' }, expect: { access: 'granted', rule: 'none' } },
    { ctl: { daemon: 'sendmail', name: 'm', addr: '10.0.0.1', user: '' } },
  ]);
  // A document without expectations is the JSON it always was.
  assert.equal(JSON.stringify(normalizeDoc({ requests: [{ daemon: 'sshd', client: 'a' }] }).requests), '[{"daemon":"sshd","client":"a"}]');
});

await test('parseTxtar: a <tcpwrap-example> requests section with expectation lines', () => {
  const { doc, errors } = parseTxtar('-- hosts.allow --\nsshd: 10.0.0.1\n-- hosts.deny --\nALL: ALL\n-- requests --\ngranted sshd 10.0.0.1 by hosts.allow:1\ndenied sshd 10.0.0.9 by hosts.deny:x\nsshd 10.0.0.2\n', 'debian');
  assert.deepEqual(doc.requests, [
    { daemon: 'sshd', client: '10.0.0.1', expect: { access: 'granted', rule: 'hosts.allow:1' } },
    { daemon: 'sshd', client: '10.0.0.2' },
  ]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0].startsWith('line 2: want hosts.allow:N'), errors[0]);
});

await test('a #fragment link keeps the expectations', async () => {
  const doc = normalizeDoc({
    allow: 'sshd: 10.0.0.1\n', deny: 'ALL: ALL\n', hosts: '', profile: 'debian',
    requests: [
      { daemon: 'sshd', client: '10.0.0.1', expect: { access: 'granted', rule: 'hosts.allow:1' } },
      { ctl: { daemon: 'sendmail', name: 'm', addr: '10.0.0.9', user: '' }, expect: { access: 'denied' } },
      { daemon: 'sshd', client: '10.0.0.2' },
    ],
  });
  assert.deepEqual(await decodeFragment('#' + (await encodeFragment(doc))), doc);
});

await test('testFile: a tcpwrap test file of the rows, read back by the paste box', () => {
  const doc = normalizeDoc({
    allow: 'sshd: 10.0.0.1\n', deny: null, hosts: null, netgroup: '', profile: 'freebsd', files: { '/etc/x': '' },
    requests: [
      { daemon: 'sshd', client: '10.0.0.1', expect: { access: 'granted', rule: 'hosts.allow:1' } },
      { daemon: 'sshd', client: '10.0.0.2', clientPort: 2222, expect: { access: 'denied' } },
      { ctl: { daemon: 'sendmail', name: '', addr: '10.0.0.9', user: '' }, expect: { access: 'denied', rule: 'none' } },
      { daemon: 'sshd', user: 'bob', client: '10.0.0.3' },
    ],
  });
  const text = testFile(doc);
  assert.equal(text, [
    '# Expected verdicts from the tcpwrap playground (profile freebsd).',
    '# Save the panes as DIR/hosts.allow, DIR/hosts, DIR/netgroup, and the pattern files at their paths, then run:',
    '#   tcpwrap test -d DIR --hosts DIR/hosts --profile freebsd --netgroup DIR/netgroup THIS_FILE',
    'granted sshd 10.0.0.1 by hosts.allow:1',
    'denied sshd 10.0.0.2 --client-port 2222',
    'denied hosts_ctl sendmail "" 10.0.0.9 by none',
    '# no expected verdict: sshd bob@10.0.0.3',
    '# 1 request without an expected verdict, left as comments.',
    '',
  ].join('\n'));
  // The paste box reads it back: the expectations with their ports,
  // without the commented request.
  const { requests, errors } = parseRequestLines(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, doc.requests.slice(0, 3));
});

await test('parseRequestLines: a connection\'s ports at the end of its line, as tcpwrap test reads them', () => {
  assert.deepEqual(one('sshd@10.0.0.5 10.0.0.1 --client-port 2222 --server-port 22').request,
    { daemon: 'sshd', server: '10.0.0.5', client: '10.0.0.1', clientPort: 2222, serverPort: 22 });
  assert.deepEqual(one('granted sshd 10.0.0.1 --server-port 22 --client-port 7 by none').request,
    { daemon: 'sshd', client: '10.0.0.1', clientPort: 7, serverPort: 22, expect: { access: 'granted', rule: 'none' } });
  for (const [line, err] of [
    ['granted sshd 10.0.0.1 --client-port x', 'want a port number (0 to 65535) after --client-port, got "x"'],
    ['granted sshd 10.0.0.1 --client-port 65536', 'want a port number (0 to 65535) after --client-port, got "65536"'],
    ['granted sshd 10.0.0.1 --client-port 1 --client-port 2', '--client-port given twice'],
    ['granted hosts_ctl a b c --client-port 1', 'a hosts_ctl request has no ports'],
  ]) {
    const r = one(line);
    assert.equal(r.n, 0, line);
    assert.ok(r.errors[0] && r.errors[0].startsWith('line 1: ' + err), `${line}: ${r.errors[0]}`);
  }
  assert.equal(one('sshd 10.0.0.1 --client-port x').errors.length, 1);
  // formatRequest writes them back.
  const r = { daemon: 'sshd', client: '10.0.0.1', clientPort: 2222, expect: { access: 'denied', rule: 'hosts.deny:1' } };
  assert.equal(formatRequest(r), 'denied sshd 10.0.0.1 --client-port 2222 by hosts.deny:1');
  assert.deepEqual(one(formatRequest(r)).request, r);
});

await test('sameTables: both texts equal; an absent file is not an empty one', () => {
  assert.equal(sameTables({ allow: 'a\n', deny: null }, { allow: 'a\n', deny: null }), true);
  assert.equal(sameTables({ allow: 'a\n', deny: null }, { allow: 'a\n', deny: '' }), false);
  assert.equal(sameTables({ allow: 'a\n', deny: '' }, { allow: 'a\r\n', deny: '' }), false);
  assert.equal(sameTables({ allow: '', deny: 'x' }, { allow: '', deny: 'y' }), false);
});

await test('changesStatus: the Changes panel\'s status line counts both kinds', () => {
  assert.equal(changesStatus(0, 0), 'No change of verdict since the baseline.');
  assert.equal(changesStatus(1, 0), '1 change of verdict since the baseline.');
  assert.equal(changesStatus(2, 1), '2 changes of verdict since the baseline; 1 change of the deciding rule only.');
  assert.equal(changesStatus(0, 40001), 'No change of verdict since the baseline; 40,001 changes of the deciding rule only.');
});

await test('outcomeText: says what decided as tcpwrap diff does', () => {
  assert.equal(outcomeText({ access: 'granted', rule: 'hosts.allow:2', text: 'sshd: 10.0.0.0/8' }), 'granted by hosts.allow:2');
  assert.equal(outcomeText({ access: 'granted' }), 'granted: no rule matched');
  assert.equal(outcomeText({ access: 'denied', rule: 'hosts.deny:1', text: 'ALL: ALL' }), 'denied by hosts.deny:1');
  // An error: the rule where libwrap stopped, if any, and why.
  assert.equal(outcomeText({ access: 'denied', rule: 'hosts.allow:3', error: 'x: cannot open' }), 'denied by hosts.allow:3 (libwrap stops: x: cannot open)');
  assert.equal(outcomeText({ access: 'denied', error: 'boom' }), 'denied (libwrap stops: boom)');
  assert.equal(outcomeText({ access: 'delegated' }), 'delegated');
  assert.equal(outcomeText({ access: 'granted', reason: 'no rule matched: access is granted by default' }), 'granted (no rule matched: access is granted by default)');
  assert.equal(outcomeText({ access: 'denied', reason: 'PARANOID mode: x' }), 'denied (PARANOID mode: x)');
});

await test('exampleRequest: a diff example as a request row expecting the new verdict, or null', () => {
  const now = { access: 'denied', rule: 'hosts.deny:1', text: 'ALL: ALL' };
  // No name of its own: absent (the hosts table's) or unknown.
  assert.deepEqual(exampleRequest({ daemon: 'sshd', client: '10.0.0.255', name: 'unknown', text: 'sshd from 10.0.0.255 (no host name)' }, now),
    { daemon: 'sshd', client: '10.0.0.255', expect: { access: 'denied', rule: 'hosts.deny:1' } });
  assert.deepEqual(exampleRequest({ daemon: 'in.ftpd', server: '192.0.2.254', serverPort: 21, client: '2001:db8::1', user: 'bob', text: '…' }, now),
    { daemon: 'in.ftpd', server: '192.0.2.254', serverPort: 21, client: '2001:db8::1', user: 'bob', expect: { access: 'denied', rule: 'hosts.deny:1' } });
  // No rule decided now: the expectation says so.
  assert.deepEqual(exampleRequest({ daemon: 'sshd', client: '10.0.0.1', text: '…' }, { access: 'granted' }),
    { daemon: 'sshd', client: '10.0.0.1', expect: { access: 'granted', rule: 'none' } });
  // A row cannot say these: no address, a name of its own, paranoid.
  assert.equal(exampleRequest({ daemon: 'sshd', name: 'x.example.com', text: '…' }, now), null);
  assert.equal(exampleRequest({ daemon: 'sshd', client: '10.0.0.1', name: 'x.example.com', text: '…' }, now), null);
  assert.equal(exampleRequest({ daemon: 'sshd', client: '10.0.0.1', name: 'paranoid', text: '…' }, now), null);
  // What it makes reads back as the line tcpwrap test reads.
  const r = exampleRequest({ daemon: 'sshd', server: '10.0.0.5', client: '10.0.0.1', user: 'alice', name: 'unknown', text: '…' }, now);
  assert.equal(formatRequest(r), 'denied sshd@10.0.0.5 alice@10.0.0.1 by hosts.deny:1');
  assert.deepEqual(one(formatRequest(r)).request, r);
});

console.log(`${passed} of ${passed + failed} passed`);
process.exit(failed ? 1 : 0);
