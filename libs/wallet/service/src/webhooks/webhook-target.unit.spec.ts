import { isPublicAddress, webhookTargetProblem, webhookUrlProblem } from './webhook-target';

describe('webhook targets', () => {
  it('tells public addresses from loopback, private, link-local, shared, documentation and multicast ones', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true });
    for (const address of [
      '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '192.0.2.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1',
      '::ffff:10.0.0.1', '2001:db8::1', 'not-an-address',
    ]) expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false });
  });

  it('refuses URLs as written: other schemes, credentials, this machine and literal addresses that are not public', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', false)).toBeNull();
    expect(webhookUrlProblem('http://8.8.8.8:8080/x', false)).toBeNull();
    expect(webhookUrlProblem('ftp://hooks.example.com/', false)).toMatch(/ftp: URLs are not webhook targets/);
    expect(webhookUrlProblem('https://a:b@hooks.example.com/', false)).toMatch(/carries no credentials/);
    expect(webhookUrlProblem('http://LOCALHOST:3000/', false)).toMatch(/localhost is this machine/);
    expect(webhookUrlProblem('http://api.localhost/', false)).toMatch(/is this machine/);
    expect(webhookUrlProblem('http://[fe80::1]/', false)).toMatch(/fe80::1 is not a public address/);
    expect(webhookUrlProblem('http://192.168.0.10/', false)).toMatch(/192\.168\.0\.10 is not a public address/);
    expect(webhookUrlProblem('not a url', false)).toMatch(/is not a URL/);
    // Allowed private targets: only the scheme and credentials are still checked.
    expect(webhookUrlProblem('http://localhost:3000/', true)).toBeNull();
    expect(webhookUrlProblem('https://a:b@10.0.0.1/', true)).toMatch(/credentials/);
  });

  it('refuses a name that resolves to any address that is not public, at delivery', async () => {
    const dns = (answers: Record<string, string[]>) => async (host: string) => {
      if (!answers[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return answers[host].map((address) => ({ address }));
    };
    const resolve = dns({ 'hooks.example.com': ['93.184.216.34'], 'inside.example.com': ['93.184.216.34', '10.0.0.7'], 'meta.example.com': ['169.254.169.254'] });
    expect(await webhookTargetProblem('https://hooks.example.com/x', false, resolve)).toBeNull();
    expect(await webhookTargetProblem('https://inside.example.com/x', false, resolve)).toBe('inside.example.com resolves to 10.0.0.7, not a public address');
    expect(await webhookTargetProblem('https://meta.example.com/x', false, resolve)).toBe('meta.example.com resolves to 169.254.169.254, not a public address');
    expect(await webhookTargetProblem('https://gone.example.com/x', false, resolve)).toBe('gone.example.com does not resolve (ENOTFOUND)');
    expect(await webhookTargetProblem('http://127.0.0.1:9/x', false, resolve)).toBe('127.0.0.1 is not a public address');
    // Allowed private targets: nothing is resolved.
    expect(await webhookTargetProblem('https://inside.example.com/x', true, async () => { throw new Error('no lookup expected'); })).toBeNull();
  });
});
