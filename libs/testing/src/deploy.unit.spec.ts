// The deployment manifests, checked offline (no cluster, no Docker engine): every Kubernetes object in
// deploy/k8s against the Kubernetes schemas (kubernetes-models) with unknown fields refused, the
// creditflow rules (resources, probes, security context, volumes, variables the platform reads, the
// topics Job, the tick CronJob, disruption budgets), and docker-compose.yml. Each rule is also shown to
// catch a manifest broken on purpose. The checks are in deploy-manifests.ts.
import { resolve } from 'node:path';
import {
  DeploymentFiles, Manifest, deploymentProblems, platformVariables, readDeploymentFiles, readYaml,
} from './deploy-manifests';

const repo = { root: resolve(__dirname, '../../..') };
const files = readDeploymentFiles(repo);

/** A copy of the deployment files with one change. */
function broken(change: (files: DeploymentFiles) => void): DeploymentFiles {
  const copy = structuredClone(files);
  change(copy);
  return copy;
}
const doc = (f: DeploymentFiles, kind: string, name: string): Manifest => {
  const found = f.k8s.flatMap((y) => y.docs).find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} is not in deploy/k8s`);
  return found;
};
const container = (f: DeploymentFiles, name: string): Manifest => doc(f, 'Deployment', name).spec.template.spec.containers[0];
const problemsOf = (f: DeploymentFiles) => deploymentProblems(repo, f);

describe('deployment manifests', () => {
  it('reads every variable name from libs/shell/src/config.ts', () => {
    const names = platformVariables(repo);
    for (const name of ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS', 'KAFKA_SASL_PASSWORD', 'CREDITFLOW_SCHEDULER_INTERVAL_MS', 'CREDITFLOW_TENANTS_DIR', 'CREDITFLOW_SERVICE']) {
      expect(names).toContain(name);
    }
  });

  it('has the expected objects in deploy/k8s', () => {
    const kinds = files.k8s.flatMap((y) => y.docs).map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(expect.arrayContaining([
      'ConfigMap/creditflow', 'Secret/creditflow', 'Job/creditflow-topics', 'CronJob/creditflow-scheduler-tick',
      ...['pricing', 'wallet', 'subscription-scheduler', 'refund'].flatMap((s) => [`Deployment/creditflow-${s}`, `Service/creditflow-${s}`, `PodDisruptionBudget/creditflow-${s}`]),
      'PersistentVolumeClaim/creditflow-refund-data',
    ]));
  });

  it('are valid Kubernetes objects, follow the deployment rules, and docker-compose.yml is sound', () => {
    expect(problemsOf(files)).toEqual([]);
  });

  describe('catch a manifest broken on purpose', () => {
    const cases: [string, (f: DeploymentFiles) => void, RegExp][] = [
      ['a value of the wrong type', (f) => { doc(f, 'Deployment', 'creditflow-wallet').spec.replicas = 'two'; }, /spec\/replicas must be integer/],
      ['a required field missing', (f) => { delete doc(f, 'Deployment', 'creditflow-pricing').spec.selector; }, /spec must have required property selector/],
      ['an unknown field (a typo)', (f) => { container(f, 'creditflow-refund').readinesProbe = container(f, 'creditflow-refund').readinessProbe; }, /unknown field \/spec\/template\/spec\/containers\/0\/readinesProbe/],
      ['an invalid quantity', (f) => { container(f, 'creditflow-wallet').resources.limits.memory = 'a lot'; }, /limits\/memory must match format "quantity"/],
      ['an unknown kind', (f) => { f.k8s[0].docs.push({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x' } }); }, /apps\/v1beta1\/Deployment is not one of/],
      ['a name that is no DNS name', (f) => { doc(f, 'ConfigMap', 'creditflow').metadata.name = 'Creditflow_Config'; }, /metadata.name must be a DNS subdomain/],
      ['a namespace', (f) => { doc(f, 'Service', 'creditflow-wallet').metadata.namespace = 'prod'; }, /namespace-agnostic/],
      ['no resources', (f) => { delete container(f, 'creditflow-pricing').resources.limits; }, /container pricing: resources.limits.cpu is not set/],
      ['no readiness probe', (f) => { delete container(f, 'creditflow-wallet').readinessProbe; }, /container wallet: readinessProbe must be an httpGet/],
      ['a liveness probe that asks readiness (a broker outage would restart every pod)', (f) => { container(f, 'creditflow-wallet').livenessProbe.httpGet.path = '/health/ready'; }, /livenessProbe asks \/health\/ready, not \/health\/live/],
      ['a readiness probe that asks only liveness', (f) => { container(f, 'creditflow-refund').readinessProbe.httpGet.path = '/health'; }, /readinessProbe asks \/health, not \/health\/ready/],
      ['a probe on a port the container lacks', (f) => { container(f, 'creditflow-wallet').livenessProbe.httpGet.port = 'admin'; }, /livenessProbe port admin is not a container port/],
      ['a writable root filesystem', (f) => { container(f, 'creditflow-refund').securityContext.readOnlyRootFilesystem = false; }, /readOnlyRootFilesystem must be true/],
      ['root', (f) => { const d = doc(f, 'Deployment', 'creditflow-pricing'); delete d.spec.template.spec.securityContext.runAsNonRoot; delete d.spec.template.spec.containers[0].securityContext.runAsNonRoot; }, /runAsNonRoot must be true/],
      ['capabilities kept', (f) => { container(f, 'creditflow-wallet').securityContext.capabilities = { drop: ['NET_RAW'] }; }, /capabilities must drop ALL/],
      ['privilege escalation', (f) => { delete doc(f, 'CronJob', 'creditflow-scheduler-tick').spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation; }, /CronJob creditflow-scheduler-tick container tick: allowPrivilegeEscalation must be false/],
      ['no seccomp profile', (f) => { const d = doc(f, 'Job', 'creditflow-topics'); delete d.spec.template.spec.securityContext.seccompProfile; delete d.spec.template.spec.containers[0].securityContext.seccompProfile; }, /seccompProfile must be RuntimeDefault/],
      ['a variable creditflow does not read', (f) => { container(f, 'creditflow-wallet').env.push({ name: 'KAFKA_BROKER', value: 'kafka:9092' }); }, /sets KAFKA_BROKER, which creditflow does not read/],
      ['a ConfigMap key creditflow does not read', (f) => { doc(f, 'ConfigMap', 'creditflow').data.CREDITFLOW_SCHEDULER_INTERVAL = '60000'; }, /sets CREDITFLOW_SCHEDULER_INTERVAL, which creditflow does not read/],
      ['no DATABASE_URL', (f) => { delete doc(f, 'Secret', 'creditflow').stringData.DATABASE_URL; }, /DATABASE_URL is not set/],
      ['services creating topics', (f) => { doc(f, 'ConfigMap', 'creditflow').data.CREDITFLOW_CREATE_TOPICS = 'true'; }, /never create topics/],
      ['a Secret that is not there', (f) => { container(f, 'creditflow-refund').envFrom.push({ secretRef: { name: 'creditflow-extra' } }); }, /envFrom Secret creditflow-extra, not in the manifests/],
      ['no /data volume', (f) => { const c = container(f, 'creditflow-pricing'); c.volumeMounts = c.volumeMounts.filter((m: Manifest) => m.mountPath !== '/data'); }, /\/data must be a volume/],
      ['a mount of a missing volume', (f) => { container(f, 'creditflow-pricing').volumeMounts.push({ name: 'cache', mountPath: '/cache' }); }, /mounts cache, which is not a volume of the pod/],
      ['an unknown service', (f) => { container(f, 'creditflow-refund').env[0].value = 'refunds'; }, /CREDITFLOW_SERVICE must name one of the four services/],
      ['a Deployment without a budget', (f) => { doc(f, 'PodDisruptionBudget', 'creditflow-wallet').spec.selector.matchLabels['app.kubernetes.io/component'] = 'wallets'; }, /Deployment creditflow-wallet: no PodDisruptionBudget selects its pods/],
      ['a budget that blocks every eviction', (f) => { doc(f, 'Deployment', 'creditflow-wallet').spec.replicas = 1; }, /minAvailable would block every eviction/],
      ['a ReadWriteOnce claim shared by replicas', (f) => { doc(f, 'Deployment', 'creditflow-refund').spec.replicas = 2; }, /ReadWriteOnce claim needs replicas 1 and strategy Recreate/],
      ['a missing claim', (f) => { doc(f, 'PersistentVolumeClaim', 'creditflow-refund-data').metadata.name = 'refund-data'; }, /needs PersistentVolumeClaim creditflow-refund-data/],
      ['a tick at the wrong path', (f) => { doc(f, 'CronJob', 'creditflow-scheduler-tick').spec.jobTemplate.spec.template.spec.containers[0].env[0].value = 'http://creditflow-subscription-scheduler/v1/ticks'; }, /TICK_URL must be http:\/\/<Service>\/v1\/scheduler\/ticks/],
      ['a tick at the wrong service', (f) => { doc(f, 'CronJob', 'creditflow-scheduler-tick').spec.jobTemplate.spec.template.spec.containers[0].env[0].value = 'http://creditflow-wallet/v1/scheduler/ticks'; }, /does not select the subscription-scheduler/],
      ['kustomization missing a file', (f) => { f.kustomization.docs[0].resources = f.kustomization.docs[0].resources.filter((r: string) => r !== 'refund.yaml'); }, /refund.yaml is not listed in resources/],
      ['compose: a service without image or build', (f) => { delete f.compose.docs[0].services.postgres.image; }, /service postgres: neither image nor build is set/],
      ['compose: a service not waiting for topics', (f) => { delete f.compose.docs[0].services.wallet.depends_on.topics; }, /service wallet: must wait for topics \(service_completed_successfully\)/],
      ['compose: an undeclared volume', (f) => { f.compose.docs[0].services.refund.volumes = ['refund-state:/data']; }, /volume refund-state is not declared/],
      ['compose: a variable creditflow does not read', (f) => { f.compose.docs[0].services.pricing.environment.KAFKA_BOOTSTRAP = 'kafka:19092'; }, /service pricing: sets KAFKA_BOOTSTRAP/],
      ['compose: a ticker at the wrong service', (f) => { f.compose.docs[0].services.ticker.environment.TICK_URL = 'http://wallet:3000/v1/scheduler/ticks'; }, /service ticker: TICK_URL must be/],
      ['compose: an override of a service that is not there', (f) => { f.overrides[0].docs[0].services.wallets = {}; }, /overrides wallets/],
    ];
    it.each(cases)('%s', (_name, change, expected) => {
      const problems = problemsOf(broken(change));
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    });

    it('YAML that does not parse', () => {
      expect(readYaml('x.yaml', 'a: [1, 2\nb: c\n').problems).not.toEqual([]);
    });
  });
});
