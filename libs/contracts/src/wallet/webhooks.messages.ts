import { Matches } from 'class-validator';
import { ID, ID_MESSAGE } from '../fields';

/** POST /v1/webhooks/deliveries/{deliveryId}/replays (admin): idempotent by replayId. */
export class WebhookReplayBody {
  @Matches(ID, { message: `replayId ${ID_MESSAGE}` }) replayId!: string;
}
