// The refund service as its own process (distributed mode).
import 'reflect-metadata';
import { RefundModule } from '@creditflow/refund-service';
import { runService } from '@creditflow/shell';

runService('refund', RefundModule, 3004);
