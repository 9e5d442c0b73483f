import { cloudEvent } from '@creditflow/contracts';
import { correlate } from './store-publishers';

const message = (over: object = {}) => ({ key: 'apinfer:acc-1', value: { ...cloudEvent({ id: 'm1', source: 's', type: 'creditflow.x.y', tenantid: 'apinfer', data: {} }), ...over } });

describe('messages published from the store carry their chain', () => {
  it("takes the stored event's traceparent and causation", () => {
    const out = correlate({ metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', causationId: 'cmd-1' } }, message());
    expect(out.value).toMatchObject({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', causationid: 'cmd-1' });
  });

  it('keeps what the mapping set itself, and adds nothing the event did not record', () => {
    const own = message({ traceparent: '00-11111111111111111111111111111111-2222222222222222-01', causationid: 'own' });
    expect(correlate({ metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', causationId: 'cmd-1' } }, own).value).toMatchObject({ causationid: 'own', traceparent: own.value.traceparent });
    const bare = correlate({ metadata: { tenantId: 'apinfer' } }, message());
    expect(bare.value).not.toHaveProperty('traceparent');
    expect(bare.value).not.toHaveProperty('causationid');
  });
});
