// VisualGPT (seed 000) through HTTP on the embedded platform: every feature and model price quoted and
// charged, the free visual tools, daily login credits valid 24 h, permanent reward and top-up credits,
// packages that get cheaper per credit as they grow, and credits restored after a system failure.
// Values the seed does not give (daily amount 10, package sizes and prices) are CHOSEN in
// config/tenants/visualgpt.yaml; refund money is the refund service's and is tested there.
import { DAY, HOUR, MINUTE, at, perCreditLess, platformFor, tenantApi, uniqueId } from './seed-platform.testing';

/** [seed row, request, credits]. Rows that name several tools are one feature id each (CHOSEN ids). */
const PRICED: [string, Record<string, string>, string][] = [
  ['Background Remover', { feature: 'background-remover' }, '1'],
  ['Watermark Remover', { feature: 'watermark-remover' }, '1'],
  ['AI Image Upscaler', { feature: 'image-upscaler' }, '1'],
  ['AI Image Editor: Nano Banana', { feature: 'image-editor', model: 'nano-banana' }, '4'],
  ['AI Image Editor: Gempix 2', { feature: 'image-editor', model: 'gempix-2' }, '4'],
  ['AI Image Editor: FLUX Kontext Pro', { feature: 'image-editor', model: 'flux-kontext-pro' }, '5'],
  ['AI Image Editor: Seedream 4.0', { feature: 'image-editor', model: 'seedream-4.0' }, '3'],
  ['AI Image Extender', { feature: 'image-extender' }, '2'],
  ['AI Background Changer', { feature: 'background-changer' }, '4'],
  ['AI Headshot Generator', { feature: 'headshot-generator' }, '4'],
  ['AI Clothes Changer', { feature: 'clothes-changer' }, '4'],
  ['AI Virtual Try On', { feature: 'virtual-try-on' }, '4'],
  ['Glasses Generator', { feature: 'glasses-generator' }, '4'],
  ['AI Hairstyle Changer', { feature: 'hairstyle-changer' }, '4'],
  ['AI Hair Color Changer', { feature: 'hair-color-changer' }, '3'],
  ['AI Photo to Sketch Converter', { feature: 'photo-to-sketch' }, '5'],
  ['AI Action Figure Generator', { feature: 'action-figure-generator' }, '4'],
  ['AI Halloween Photoshoot Generator', { feature: 'halloween-photoshoot-generator' }, '3'],
  ['AI Room Planner', { feature: 'room-planner' }, '4'],
  ['AI Room Designer', { feature: 'room-designer' }, '4'],
  ['AI Room Decorator', { feature: 'room-decorator' }, '4'],
  ['AI Room Cleaner', { feature: 'room-cleaner' }, '3'],
  ['AI Exterior Home Design Generator', { feature: 'exterior-home-design-generator' }, '4'],
  ['AI Floor Plan Generator', { feature: 'floor-plan-generator' }, '4'],
  ['AI Garden Design Generator', { feature: 'garden-design-generator' }, '4'],
  ['AI Landscape Design', { feature: 'landscape-design' }, '4'],
  ['AI Kitchen Planner', { feature: 'kitchen-planner' }, '4'],
  ['AI Living Room Design', { feature: 'living-room-design' }, '4'],
  ['AI Paint Color Visualizer', { feature: 'paint-color-visualizer' }, '4'],
];
const FREE: [string, string][] = [
  ['AI Visual Card', 'visual-card'],
  ['Mind Map Maker', 'mind-map'],
  ['Flowchart Generator', 'flowchart'],
  ['Infographic Generator', 'infographic'],
];

describe('visualgpt (seed 000) through HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const visual = tenantApi(platform, 'visualgpt');

  describe('feature prices', () => {
    it.each(PRICED)('quotes %s (%j) at %s', async (_row, request, credits) => {
      expect(await visual.quote(request)).toEqual({ credits, priceVersion: '2025-01-01' });
    });

    it('charges every priced feature exactly its price: held on authorize, captured on completion', async () => {
      const charged = await Promise.all(
        PRICED.map(async ([row, request]) => {
          const accountId = await visual.openAccount();
          await visual.reward(accountId, '10');
          const { authorized, completed } = await visual.charge(accountId, request);
          const { available, held } = await visual.balance(accountId);
          return [row, authorized.credits, completed.credits, available, held];
        }),
      );
      expect(charged).toEqual(PRICED.map(([row, , credits]) => [row, credits, credits, String(10 - Number(credits)), '0']));
    });

    it('charges the free visual tools nothing, even on an empty account', async () => {
      const charged = await Promise.all(
        FREE.map(async ([row, feature]) => {
          const accountId = await visual.openAccount();
          const { authorized, completed } = await visual.charge(accountId, { feature });
          const { available, held } = await visual.balance(accountId);
          return [row, (await visual.quote({ feature })).credits, authorized.credits, completed.credits, available, held];
        }),
      );
      expect(charged).toEqual(FREE.map(([row]) => [row, '0', '0', '0', '0', '0']));
    });

    it('charges per image: three Seedream 4.0 edits cost 9', async () => {
      expect(await visual.quote({ feature: 'image-editor', model: 'seedream-4.0', quantity: 3 })).toMatchObject({ credits: '9' });
    });

    it('lists every documented feature in the catalog at its price', async () => {
      const { features } = await visual.catalog();
      const byId = Object.fromEntries(features.map((f: { id: string }) => [f.id, f]));
      for (const [, request, credits] of PRICED) {
        const feature = byId[request.feature];
        if (request.model) expect(feature.options).toContainEqual({ value: request.model, credits });
        else expect(feature).toMatchObject({ credits });
      }
      for (const [, id] of FREE) expect(byId[id]).toMatchObject({ credits: '0' });
    });
  });

  describe('credit types', () => {
    it('grants daily free credits on login, valid for 24 hours', async () => {
      const start = '2030-01-10T09:00:00Z';
      await visual.setClock(at(start));
      const accountId = await visual.openAccount();
      const login = await visual.login(accountId);
      expect(login).toMatchObject({ granted: '10', expiresAt: at(start, DAY).toISOString() });
      expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });

      await visual.setClock(at(start, DAY - 1000));
      expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });
      await visual.setClock(at(start, DAY));
      expect(await visual.balance(accountId)).toMatchObject({ available: '0', byType: { daily: '0' } });
    });

    it('gives the daily credits once per day, and again after the reset', async () => {
      const start = '2030-01-20T09:00:00Z';
      await visual.setClock(at(start));
      const accountId = await visual.openAccount();
      await visual.login(accountId);
      await visual.setClock(at(start, 3 * HOUR));
      await visual.login(accountId);
      expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });

      await visual.setClock(at(start, DAY + MINUTE));
      expect(await visual.balance(accountId)).toMatchObject({ available: '0' });
      expect(await visual.login(accountId)).toMatchObject({ granted: '10' });
      expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });
    });

    it('spends the daily credits before reward and top-up credits', async () => {
      await visual.setClock(at('2030-02-01T09:00:00Z'));
      const accountId = await visual.openAccount();
      await visual.purchase(accountId, 'small', '9.99', 'USD');
      await visual.reward(accountId, '3');
      await visual.login(accountId);
      await visual.charge(accountId, { feature: 'image-editor', model: 'flux-kontext-pro' });
      await visual.charge(accountId, { feature: 'photo-to-sketch' });
      await visual.charge(accountId, { feature: 'image-extender' });
      // 12 credits: the 10 daily, then 2 of the 3 reward; the top-up is untouched.
      expect(await visual.balance(accountId)).toMatchObject({ available: '101', byType: { daily: '0', reward: '1', topup: '100' } });
    });

    it('keeps reward and top-up credits permanently, long after the daily credits expired', async () => {
      const start = '2030-03-01T09:00:00Z';
      await visual.setClock(at(start));
      const accountId = await visual.openAccount();
      await visual.login(accountId);
      await visual.reward(accountId, '7');
      await visual.purchase(accountId, 'medium', '39.99', 'USD');
      const lots = (await visual.balance(accountId)).lots;
      expect(lots.filter((l: { type: string }) => l.type !== 'daily').map((l: { expiresAt: unknown }) => l.expiresAt)).toEqual([null, null]);

      await visual.setClock(at(start, 5 * 365 * DAY));
      expect(await visual.balance(accountId)).toMatchObject({ available: '507', byType: { daily: '0', reward: '7', topup: '500' } });
    });
  });

  describe('credit packages', () => {
    // Its own platform: its tests start earlier than the ones before them, and a manual clock never goes back.
    const visual = tenantApi(platformFor({ clock: 'manual' }), 'visualgpt');
    it('gets cheaper per credit the larger the package', async () => {
      const { packages } = await visual.catalog();
      expect(packages.length).toBeGreaterThanOrEqual(2);
      const bySize = [...packages].sort((a, b) => Number(a.credits) - Number(b.credits));
      for (let i = 1; i < bySize.length; i++) {
        const [smaller, larger] = [bySize[i - 1], bySize[i]];
        expect({ larger: larger.id, cheaperPerCredit: perCreditLess(larger.price.amount, larger.credits, smaller.price.amount, smaller.credits) }).toEqual({
          larger: larger.id, cheaperPerCredit: true,
        });
      }
    });

    it('credits each package at once, and several packages add up', async () => {
      await visual.setClock(at('2030-04-01T00:00:00Z'));
      const accountId = await visual.openAccount();
      const { packages } = await visual.catalog();
      let total = 0;
      for (const pkg of packages) {
        const bought = await visual.purchase(accountId, pkg.id, pkg.price.amount, pkg.price.currency);
        expect(bought.lot).toMatchObject({ type: 'topup', amount: pkg.credits, expiresAt: null });
        total += Number(pkg.credits);
        expect(await visual.balance(accountId)).toMatchObject({ available: String(total), byType: { topup: String(total) } });
      }
    });
  });

  describe('errors resulting from system failures', () => {
    // Its own platform: its tests start earlier than the ones before them, and a manual clock never goes back.
    const visual = tenantApi(platformFor({ clock: 'manual' }), 'visualgpt');
    it('restores the credits of a generation that fails through a platform error after completion', async () => {
      await visual.setClock(at('2030-05-01T00:00:00Z'));
      const accountId = await visual.openAccount();
      await visual.reward(accountId, '10');
      const { usageId } = await visual.charge(accountId, { feature: 'image-editor', model: 'flux-kontext-pro' });
      expect(await visual.balance(accountId)).toMatchObject({ available: '5' });
      expect((await visual.step(usageId, 'fail', { reason: 'platform_error' })).status).toBe(200);
      await visual.balanceWhen(accountId, 'the restored credits', (b) => b.available === '10');
      expect((await visual.transactions(accountId)).map((t) => t.type)).toContain('CreditsRestored');
    });

    it('releases the hold of a generation that fails before completion; nothing is charged', async () => {
      const accountId = await visual.openAccount();
      await visual.reward(accountId, '4');
      const usageId = uniqueId('u');
      await visual.authorize({ usageId, accountId, feature: 'room-designer' });
      expect(await visual.balance(accountId)).toMatchObject({ available: '0', held: '4' });
      await visual.step(usageId, 'fail', { reason: 'platform_error' });
      expect(await visual.balance(accountId)).toMatchObject({ available: '4', held: '0' });
    });
  });
});
