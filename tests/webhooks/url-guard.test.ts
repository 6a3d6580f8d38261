import http from 'node:http';
import { NO_ALLOWED_HOSTS, parseAllowedHosts } from '../../server/webhooks/allowed-hosts';
import { mappedIPv4, UrlGuard, UrlRefusedError } from '../../server/webhooks/url-guard';
import { startReceiver, type Receiver } from './receiver';

/**
 * The server-side request forgery rule: which addresses a hook may reach, the allowlist, and the
 * check at connect time that DNS rebinding cannot get around.
 */

const PUBLIC = '93.184.215.14';
const allowing = (value: string): UrlGuard => new UrlGuard(parseAllowedHosts(value).allowed);
/** A resolver answering fixed addresses, standing in for a DNS server under someone else's control. */
const resolvingTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('which addresses are refused', () => {
  const guard = new UrlGuard(NO_ALLOWED_HOSTS);

  test.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['100.127.255.254', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['febf::1', 'a link-local address'],
    ['fc00::1', 'a unique-local address'],
    ['fd12:3456::1', 'a unique-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['::ffff:a9fe:a9fe', 'a link-local address'],
    ['::127.0.0.1', 'a reserved address'],
  ])('%s is %s', (address, kind) => {
    expect(guard.classify(address)).toBe(kind);
  });

  test.each([PUBLIC, '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '%s may be reached',
    (address) => {
      expect(guard.classify(address)).toBeUndefined();
    },
  );

  test('reads the IPv4 address inside IPv4-mapped IPv6 addresses, in every notation', () => {
    expect(mappedIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(mappedIPv4('::FFFF:7F00:0001')).toBe('127.0.0.1');
    expect(mappedIPv4('0:0:0:0:0:ffff:c0a8:0101')).toBe('192.168.1.1');
    expect(mappedIPv4('2001:db8::1')).toBeUndefined();
    expect(mappedIPv4('127.0.0.1')).toBeUndefined();
  });
});

describe('checking a URL when a hook is created or changed', () => {
  const guard = new UrlGuard(NO_ALLOWED_HOSTS, resolvingTo(PUBLIC));

  test.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    // The URL parser reads these as 127.0.0.1 (decimal, hexadecimal, shortened), and so do we.
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://127.1/hook',
    'https://169.254.169.254/latest/meta-data/',
  ])('refuses %s', async (url) => {
    await expect(guard.check(url)).rejects.toThrow(UrlRefusedError);
  });

  test('refuses a host name that resolves to a forbidden address, naming both', async () => {
    const rebinding = new UrlGuard(NO_ALLOWED_HOSTS, resolvingTo(PUBLIC, '10.0.0.7'));
    await expect(rebinding.check('https://hooks.example.com/x')).rejects.toThrow(
      'hooks.example.com resolves to 10.0.0.7, which is a private address',
    );
  });

  test('refuses other schemes and host names that do not resolve', async () => {
    await expect(guard.check('ftp://example.com/')).rejects.toThrow('only http:// and https://');
    const nowhere = new UrlGuard(NO_ALLOWED_HOSTS, () => Promise.reject(new Error('ENOTFOUND')));
    await expect(nowhere.check('https://nowhere.invalid/')).rejects.toThrow('does not resolve');
  });

  test('accepts a host name that resolves to public addresses only', async () => {
    await expect(guard.check('https://hooks.example.com/x?a=1')).resolves.toBeUndefined();
    await expect(guard.check(`http://${PUBLIC}:8080/`)).resolves.toBeUndefined();
  });
});

describe('WEBHOOK_ALLOWED_HOSTS', () => {
  test('parses host names, addresses and CIDR subnets, and names what is none of them', () => {
    expect(
      parseAllowedHosts(' Hooks.Internal. , 127.0.0.1,[::1], 10.0.0.0/8 ,fd00::/8,, bad/host, 1.2.3.4/33'),
    ).toEqual({
      allowed: {
        names: ['hooks.internal'],
        ranges: [
          { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
          { address: '::1', prefix: 128, family: 'ipv6' },
          { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
          { address: 'fd00::', prefix: 8, family: 'ipv6' },
        ],
      },
      refused: ['bad/host', '1.2.3.4/33'],
    });
  });

  test('an allowed address or subnet may be reached; its neighbours may not', async () => {
    const guard = allowing('127.0.0.1,10.1.0.0/16,fd00::/8');
    await expect(guard.check('http://127.0.0.1:9/')).resolves.toBeUndefined();
    await expect(guard.check('http://[::ffff:127.0.0.1]:9/')).resolves.toBeUndefined();
    await expect(guard.check('http://10.1.200.3/')).resolves.toBeUndefined();
    await expect(guard.check('http://[fd00::5]/')).resolves.toBeUndefined();
    await expect(guard.check('http://127.0.0.2/')).rejects.toThrow('loopback');
    await expect(guard.check('http://10.2.0.1/')).rejects.toThrow('private');
  });

  test('an allowed host name may resolve to anything', async () => {
    const guard = new UrlGuard(parseAllowedHosts('hooks.internal').allowed, resolvingTo('10.0.0.7'));
    await expect(guard.check('http://HOOKS.internal./x')).resolves.toBeUndefined();
    await expect(guard.check('http://other.internal/x')).rejects.toThrow('private');
  });
});

describe('at connect time', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  /** Posts through http.request with the guard's lookup, as the sender does. */
  const post = (guard: UrlGuard, url: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent: false, lookup: guard.lookup }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });

  test('a name that resolved to a public address when checked, and to loopback now, is refused (DNS rebinding)', async () => {
    const port = new URL(receiver.url).port;
    // When the hook was saved, "localhost" (as someone's DNS told it) was public.
    const guard = new UrlGuard(NO_ALLOWED_HOSTS, resolvingTo(PUBLIC));
    await expect(guard.check(`http://localhost:${port}/hook`)).resolves.toBeUndefined();
    // At delivery time the system resolver says 127.0.0.1 (or ::1): no request leaves.
    const before = receiver.received.length;
    await expect(post(guard, `http://localhost:${port}/hook`)).rejects.toThrow(/loopback address/);
    expect(receiver.received.length).toBe(before);
  });

  test('the same connection goes through when the allowlist names the host', async () => {
    const port = new URL(receiver.url).port;
    await expect(post(allowing('localhost'), `http://localhost:${port}/allowed`)).resolves.toBe(200);
    expect(receiver.received.at(-1)?.path).toBe('/allowed');
  });
});
