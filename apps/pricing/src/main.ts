// The pricing service as its own process (distributed mode).
import 'reflect-metadata';
import { PricingModule } from '@creditflow/pricing-service';
import { runService } from '@creditflow/shell';

runService('pricing', PricingModule, 3001);
