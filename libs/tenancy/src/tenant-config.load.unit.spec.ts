import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCredits } from '@creditflow/kernel';
import { thrownBy } from '@creditflow/kernel/testing';
import { TenantConfigError, findTenantsDir, loadTenantFile, loadTenants } from './index';

const VALID = `
tenantId: acme
name: Acme
precision: 3
currency: CNY
wallet:
  holdTimeoutSeconds: 600
  autoTopUp: { threshold: 10, packageId: basic }
refundPolicy: { kind: unused-credits-window, windowDays: 30 }
autoRestoreOnPlatformError: false
packages:
  basic: { credits: 100, price: 10 }
catalogVersions:
  - version: v1
    effectiveFrom: 2025-01-01T00:00:00Z
    features:
      qwen-image:
        price: "1.75"
        quality: { standard: 1, high: "1.5" }
        defaultQuality: standard
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenants-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const loadError = () => thrownBy(TenantConfigError, () => loadTenants(dir));

describe('loadTenants', () => {
  it('loads a valid file, filling in the default consumption order', () => {
    write('acme.yaml', VALID);
    const acme = loadTenants(dir).get('acme');
    expect(acme?.walletPolicy).toMatchObject({ precision: 3, holdTimeoutMs: 600_000, consumptionOrder: ['daily', 'trial', 'subscription', 'reward', 'topup'] });
    expect(acme?.packages.map((p) => [p.id, formatCredits(p.credits), p.price])).toEqual([['basic', '100', { minor: 1000n, currency: 'CNY' }]]);
    expect(acme?.plans).toEqual([]);
  });

  it('reads JSON files too', () => {
    write(
      'json-co.json',
      JSON.stringify({
        tenantId: 'json-co', name: 'Json Co', precision: 0, currency: 'USD',
        wallet: { holdTimeoutSeconds: 60 }, refundPolicy: { kind: 'none', reason: 'final sale' }, autoRestoreOnPlatformError: false,
        catalogVersions: [{ version: 'v1', effectiveFrom: '2025-01-01T00:00:00Z', features: { chat: { price: 1 } } }],
      }),
    );
    expect(loadTenants(dir).get('json-co')?.catalogVersions[0].features.map((f) => f.id)).toEqual(['chat']);
  });

  it('names the file, the field path and the problem for a bad amount', () => {
    write('apinfer.yaml', VALID.replace('tenantId: acme', 'tenantId: apinfer').replace('price: "1.75"', 'price: "1.7x"'));
    const error = loadError();
    expect(error.problems).toEqual([{ file: expect.stringMatching(/apinfer\.yaml$/), path: 'catalogVersions[0].features.qwen-image.price', message: '"1.7x" is not a decimal amount' }]);
    expect(error.message).toMatch(/apinfer\.yaml: catalogVersions\[0\]\.features\.qwen-image\.price: "1\.7x" is not a decimal amount$/);
  });

  it('collects every problem in the file into one error', () => {
    write(
      'acme.yaml',
      VALID.replace('precision: 3', 'precision: 9')
        .replace('currency: CNY', 'currency: XYZ')
        .replace('packageId: basic', 'packageId: gold')
        .replace('high: "1.5"', 'high: 1.5')
        .replace('windowDays: 30', 'windowDays: 0')
        .replace('name: Acme', 'name: Acme\nlogo: acme.png'),
    );
    const error = loadError();
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'logo: unknown field; expected one of tenantId, name, precision, currency, wallet, refundPolicy, autoRestoreOnPlatformError, packages, plans, catalogVersions, accountAnalytics, webhooks',
      'precision: 9 is out of range (0..6)',
      'currency: "XYZ" is not a supported currency code',
      'wallet.autoTopUp.packageId: "gold" is not one of the packages (basic)',
      'refundPolicy.windowDays: 0 is out of range (1 or more)',
      'catalogVersions[0].features.qwen-image.quality.high: 1.5 must be written as a string ("1.5") so it is read exactly',
    ]);
    expect(error.message.split('\n')[0]).toBe('6 problems in tenant configuration:');
    expect(error.message).toContain('acme.yaml: precision: 9 is out of range (0..6)');
  });

  it('refuses a file whose name differs from the tenantId inside', () => {
    write('visualgpt.yaml', VALID);
    const error = loadError();
    expect(error.problems).toEqual([
      {
        file: expect.stringMatching(/visualgpt\.yaml$/),
        path: 'tenantId',
        message: '"acme" does not match the file name; the file must be named acme.yaml or acme.json',
      },
    ]);
  });

  it.each(['Acme', 'acme_eu', 'acme:eu', 'acme.eu'])('refuses the tenant id "%s", which its messages could not carry', (tenantId) => {
    write(`${tenantId}.yaml`, VALID.replace('tenantId: acme', `tenantId: "${tenantId}"`));
    expect(loadError().problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      `tenantId: "${tenantId}" is not a valid tenant id: it must be 1-63 characters: lowercase letters, digits and - (starting with a letter or digit)`,
    ]);
  });

  it('refuses a plan id that no request could name', () => {
    write('acme.yaml', `${VALID}plans:\n  "team plan": { monthlyCredits: 10, rolloverCap: 0, maxMembers: 5, prices: { monthly: 9 } }\n`);
    expect(loadError().problems.map((p) => p.path)).toEqual(['plans.team plan']);
  });

  it('refuses more decimals than the tenant precision, a missing price and an option table without a dimension', () => {
    write(
      'acme.yaml',
      VALID.replace('precision: 3', 'precision: 0').replace(
        '        defaultQuality: standard\n',
        '        defaultQuality: standard\n      broken: { title: Broken }\n      half-table:\n        prices: { 1K: 1 }\n',
      ),
    );
    expect(loadError().problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'catalogVersions[0].features.qwen-image.price: "1.75" has more than 0 decimal places (the tenant\'s precision)',
      'catalogVersions[0].features.broken.price: missing; give price (use 0 for a free feature), or priceBy with prices',
      'catalogVersions[0].features.half-table.priceBy: is required',
    ]);
  });

  it('refuses a quality factor whose product the precision cannot carry (a domain invariant)', () => {
    write('acme.yaml', VALID.replace('high: "1.5"', 'high: "1.25"'));
    expect(loadError().problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'catalogVersions[0].features.qwen-image.quality.high: price 1.75 x 1.25 needs more than 3 decimal places',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with the file', () => {
    write('acme.yaml', `${VALID}\nname: Again\n`);
    const error = loadError();
    expect(error.problems[0].file).toMatch(/acme\.yaml$/);
    expect(error.problems[0].message).toMatch(/^is not valid YAML: Map keys must be unique/);
  });

  it('collects problems across files and refuses two files for one tenant', () => {
    write('acme.yaml', VALID);
    write('acme.json', '{}');
    write('other.json', '{ not json');
    const error = loadError();
    expect(error.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^tenant "acme" is configured by more than one file: .*acme\.json, .*acme\.yaml$/),
      expect.stringMatching(/^is not valid JSON/),
    ]);
  });

  it('refuses a missing or empty directory', () => {
    expect(() => loadTenants(dir)).toThrow(/contains no tenant files/);
    expect(() => loadTenants(join(dir, 'nope'))).toThrow(/does not exist/);
  });

  it('loads one file on its own', () => {
    expect(loadTenantFile(write('acme.yaml', VALID)).tenantId).toBe('acme');
  });
});

describe('findTenantsDir', () => {
  it('uses CREDITFLOW_TENANTS_DIR when set', () => {
    expect(findTenantsDir({ CREDITFLOW_TENANTS_DIR: 'some/where' }, '/base')).toBe('/base/some/where');
  });

  it('walks up from the working directory to the nearest config/tenants', () => {
    mkdirSync(join(dir, 'config', 'tenants'), { recursive: true });
    mkdirSync(join(dir, 'apps', 'wallet', 'src'), { recursive: true });
    expect(findTenantsDir({}, join(dir, 'apps', 'wallet', 'src'))).toBe(join(dir, 'config', 'tenants'));
  });

  it('finds this repository’s tenants from inside it', () => {
    expect(findTenantsDir({}, __dirname)).toBe(join(__dirname, '../../../config/tenants'));
  });

  it('says how to configure it when there is none', () => {
    expect(() => findTenantsDir({}, dir)).toThrow(/CREDITFLOW_TENANTS_DIR/);
  });
});

describe('accountAnalytics', () => {
  it('reads the plans whose accounts get usage analytics, and is null when absent', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.accountAnalyticsPlans).toBeNull();
    write('acme.yaml', `${VALID}plans:\n  team: { monthlyCredits: 10, rolloverCap: 0, maxMembers: 5, prices: { monthly: 9 } }\naccountAnalytics:\n  plans: [team]\n`);
    expect(loadTenants(dir).get('acme')!.accountAnalyticsPlans).toEqual(['team']);
  });

  it('names a plan the tenant does not sell as the problem', () => {
    write('acme.yaml', `${VALID}accountAnalytics:\n  plans: [gold]\n`);
    expect(loadError().problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['accountAnalytics.plans[0]: "gold" is not a plan of this tenant']);
  });
});

describe('refundPolicy.rounding', () => {
  it('reads how a money policy rounds refunds, and leaves it to the refund domain when absent', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.refundPolicy).toEqual({ kind: 'unused-credits-window', windowDays: 30 });
    write('acme.yaml', VALID.replace('windowDays: 30 }', 'windowDays: 30, rounding: half-up }'));
    expect(loadTenants(dir).get('acme')!.refundPolicy).toEqual({ kind: 'unused-credits-window', windowDays: 30, rounding: 'half-up' });
  });

  it('refuses an unknown rounding, and a rounding on a policy that refunds no money', () => {
    write('acme.yaml', VALID.replace('windowDays: 30 }', 'windowDays: 30, rounding: nearest }'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['refundPolicy.rounding']);
    write('acme.yaml', VALID.replace('{ kind: unused-credits-window, windowDays: 30 }', '{ kind: none, reason: final, rounding: half-up }'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['refundPolicy.rounding']);
  });
});

describe('wallet.autoTopUp.enabled', () => {
  it('is on for accounts that set nothing unless the file says enabled: false', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.walletPolicy.autoTopUp).toEqual({ threshold: 10_000_000n, packageId: 'basic' });
    write('acme.yaml', VALID.replace('autoTopUp: { threshold: 10, packageId: basic }', 'autoTopUp: { threshold: 10, packageId: basic, enabled: false }'));
    expect(loadTenants(dir).get('acme')!.walletPolicy.autoTopUp).toEqual({ threshold: 10_000_000n, packageId: 'basic', enabled: false });
    write('acme.yaml', VALID.replace('autoTopUp: { threshold: 10, packageId: basic }', 'autoTopUp: { threshold: 10, packageId: basic, enabled: sometimes }'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['wallet.autoTopUp.enabled']);
  });
});

describe('webhooks', () => {
  it('reads the alert webhooks, none when absent', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.webhooks).toEqual([]);
    write('acme.yaml', `${VALID}webhooks:\n  - { id: ops, url: "https://hooks.example.com/a?x=1", alerts: [low-balance, refund-decided], secretEnv: CREDITFLOW_WEBHOOK_SECRET_ACME }\n`);
    expect(loadTenants(dir).get('acme')!.webhooks).toEqual([
      { id: 'ops', url: 'https://hooks.example.com/a?x=1', alerts: ['low-balance', 'refund-decided'], secretEnv: 'CREDITFLOW_WEBHOOK_SECRET_ACME' },
    ]);
  });

  it('names each bad field: a secret given inline, an unknown alert, no alerts, a non-http URL, an id used twice', () => {
    write('acme.yaml', `${VALID}webhooks:
  - { id: ops, url: "ftp://x", alerts: [low-balance, balance-high], secretEnv: CREDITFLOW_WEBHOOK_SECRET_A }
  - { id: ops, url: "http://x", alerts: [], secretEnv: CREDITFLOW_WEBHOOK_SECRET_B }
  - { id: other, url: "http://x", alerts: [low-balance], secret: "s3cret", secretEnv: MY_SECRET }
`);
    expect(loadError().problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'webhooks[0].url: "ftp://x" is not an http(s) URL',
      'webhooks[0].alerts[1]: "balance-high" is not one of low-balance, auto-top-up-requested, refund-decided, credits-expiring-soon, running-out',
      'webhooks[1].id: "ops" names two webhooks',
      'webhooks[1].alerts: must name at least one of low-balance, auto-top-up-requested, refund-decided, credits-expiring-soon, running-out',
      'webhooks[2].secret: unknown field; expected one of id, url, alerts, secretEnv',
      'webhooks[2].secretEnv: must name an environment variable CREDITFLOW_WEBHOOK_SECRET_<NAME> (upper-case letters, digits, _), not "MY_SECRET"',
    ]);
  });
});

describe('wallet.expiringSoon', () => {
  it('reads the notice window and lot types, none when absent', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.walletPolicy.expiringSoon).toBeUndefined();
    write('acme.yaml', VALID.replace('  holdTimeoutSeconds: 600\n', '  holdTimeoutSeconds: 600\n  expiringSoon: { withinHours: 72, lotTypes: [reward, subscription] }\n'));
    expect(loadTenants(dir).get('acme')!.walletPolicy.expiringSoon).toEqual({ withinMs: 72 * 3_600_000, lotTypes: ['reward', 'subscription'] });
  });

  it('refuses an unknown lot type, no lot types and a window under an hour', () => {
    write('acme.yaml', VALID.replace('  holdTimeoutSeconds: 600\n', '  holdTimeoutSeconds: 600\n  expiringSoon: { withinHours: 0, lotTypes: [gift] }\n'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['wallet.expiringSoon.withinHours', 'wallet.expiringSoon.lotTypes[0]']);
    write('acme.yaml', VALID.replace('  holdTimeoutSeconds: 600\n', '  holdTimeoutSeconds: 600\n  expiringSoon: { withinHours: 24, lotTypes: [] }\n'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['wallet.expiringSoon.lotTypes']);
  });
});

describe('wallet.allowances and wallet.rateLimits (the access waterfall)', () => {
  const withWaterfall = (yaml: string) => VALID.replace('  holdTimeoutSeconds: 600\n', `  holdTimeoutSeconds: 600\n${yaml}`);

  it('reads allowances in file order and rate limits, none when absent', () => {
    write('acme.yaml', VALID);
    expect(loadTenants(dir).get('acme')!.walletPolicy.allowances).toBeUndefined();
    write('acme.yaml', withWaterfall([
      '  allowances:',
      '    - { id: images-hourly, title: free images, uses: 20, per: hour, features: [qwen-image] }',
      '    - { id: daily-credits, credits: "2.5", per: day }',
      '  rateLimits:',
      '    - { id: burst, uses: 60, per: minute }',
      '',
    ].join('\n')));
    const policy = loadTenants(dir).get('acme')!.walletPolicy;
    expect(policy.allowances).toEqual([
      { id: 'images-hourly', title: 'free images', unit: 'uses', amount: 20n, per: 'hour', features: ['qwen-image'], plans: null },
      { id: 'daily-credits', unit: 'credits', amount: 2_500_000n, per: 'day', features: null, plans: null },
    ]);
    expect(policy.rateLimits).toEqual([{ id: 'burst', uses: 60, per: 'minute', features: null, plans: null }]);
  });

  it('names each bad field: both uses and credits, an unknown window, a feature or plan the tenant has not, an id used twice, a float', () => {
    write('acme.yaml', withWaterfall([
      '  allowances:',
      '    - { id: a, uses: 1, credits: 1, per: hour }',
      '    - { id: b, credits: 1.5, per: week }',
      '    - { id: c, uses: 1, per: day, features: [nope], plans: [gold] }',
      '    - { id: c, uses: 0, per: day }',
      '  rateLimits:',
      '    - { id: r, uses: 0, per: second, colour: red }',
      '',
    ].join('\n')));
    expect(loadError().problems.map((p) => p.path)).toEqual([
      'wallet.allowances[0]',
      'wallet.allowances[1].per', 'wallet.allowances[1].credits',
      'wallet.allowances[3].id', 'wallet.allowances[3].uses',
      'wallet.rateLimits[0].colour', 'wallet.rateLimits[0].uses', 'wallet.rateLimits[0].per',
    ]);
    // Features and plans are checked against the catalog and the plans once the wallet section reads.
    write('acme.yaml', withWaterfall('  allowances:\n    - { id: c, uses: 1, per: day, features: [nope], plans: [gold] }\n  rateLimits:\n    - { id: r, uses: 1, per: day, features: [] }\n'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['wallet.rateLimits[0].features']);
    write('acme.yaml', withWaterfall('  allowances:\n    - { id: c, uses: 1, per: day, features: [nope], plans: [gold] }\n'));
    expect(loadError().problems.map((p) => p.path)).toEqual(['wallet.allowances[0].features[0]', 'wallet.allowances[0].plans[0]']);
  });
});
