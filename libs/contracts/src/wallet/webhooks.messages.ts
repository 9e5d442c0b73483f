import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { ID, ID_MESSAGE } from '../fields';
import { ALERT_KINDS } from './wallet.messages';

/** POST /v1/webhooks/deliveries/{deliveryId}/replays (admin): idempotent by replayId. */
export class WebhookReplayBody {
  @Matches(ID, { message: `replayId ${ID_MESSAGE}` }) replayId!: string;
}

/** PUT /v1/webhooks/{webhookId} (admin): where the tenant's alerts of these kinds go, and the secret they are signed with. */
export class WebhookBody {
  @Matches(/^https?:\/\/\S{1,2040}$/, { message: 'url must be an http or https URL' }) url!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(ALERT_KINDS.length) @IsIn(ALERT_KINDS, { each: true, message: `alerts must name some of ${ALERT_KINDS.join(', ')}` }) alerts!: string[];
  @IsString() @Length(16, 256, { message: 'secret must be 16 to 256 characters (32 random bytes, e.g. a whsec_ secret, are advised)' }) secret!: string;
}
