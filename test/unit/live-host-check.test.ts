import assert from 'node:assert/strict';
import { hostAllowed, hostNameOf, type HostPolicy } from '../../src/server/host-check.js';

const loopback: HostPolicy = { bindHost: '127.0.0.1', allowedHosts: [], tokenSet: false };

describe('live: Host header check (DNS rebinding)', () => {
  it('reads the name of a Host header', () => {
    assert.equal(hostNameOf('Evil.Example:8080'), 'evil.example');
    assert.equal(hostNameOf('[::1]:8080'), '::1');
    assert.equal(hostNameOf('::1'), '::1');
    assert.equal(hostNameOf('localhost.'), 'localhost');
    assert.equal(hostNameOf('[::1'), '');
  });

  it('answers IP addresses and localhost, and refuses other names', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', 'app.localhost:8080', '[::1]:8080', '192.168.1.20:8080', undefined]) {
      assert.equal(hostAllowed(host, loopback), true, String(host));
    }
    for (const host of ['evil.example:8080', 'evil.example', '127.0.0.1.evil.example:8080', 'localhost.evil.example', '', '[::1']) {
      assert.equal(hostAllowed(host, loopback), false, host);
    }
  });

  it('answers the --host name and serve.allowedHosts (exact, .domain, *)', () => {
    assert.equal(hostAllowed('mybox.lan:8080', { ...loopback, bindHost: 'mybox.lan' }), true);
    const policy: HostPolicy = { ...loopback, allowedHosts: ['cam.example.com', '.corp.example'] };
    assert.equal(hostAllowed('cam.example.com:8080', policy), true);
    assert.equal(hostAllowed('x.cam.example.com', policy), false);
    assert.equal(hostAllowed('corp.example', policy), true);
    assert.equal(hostAllowed('viewer.corp.example:443', policy), true);
    assert.equal(hostAllowed('evilcorp.example', policy), false);
    assert.equal(hostAllowed('anything.example', { ...loopback, allowedHosts: ['*'] }), true);
  });

  it('on every interface, answers any name only when a token protects the stream', () => {
    for (const bindHost of ['0.0.0.0', '::']) {
      assert.equal(hostAllowed('mybox.lan:8080', { bindHost, allowedHosts: [], tokenSet: false }), false, bindHost);
      assert.equal(hostAllowed('mybox.lan:8080', { bindHost, allowedHosts: [], tokenSet: true }), true, bindHost);
    }
    assert.equal(hostAllowed('evil.example', { ...loopback, tokenSet: true }), false, 'on loopback a token does not widen the names');
  });
});
