// Offline checks of the deployment manifests (deploy/k8s, docker-compose.yml, deploy/compose): each
// function returns the problems it finds, one sentence each, so a test can assert both that the real
// manifests have none and that a deliberately broken one is caught (deploy.unit.spec.ts).
//
// Kubernetes objects are validated against the Kubernetes OpenAPI schemas compiled into the
// `kubernetes-models` package (no cluster, no network), plus an unknown-field check the schemas alone
// do not make (as `kubectl apply` does with its strict field validation): every field of a manifest
// must be one the schema reads.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TENANTS_DIR_ENV } from '@creditflow/tenancy';
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

// Loose shapes of what the manifests hold: the schemas above say what is valid, these only let the checks read it.
export type Manifest = Record<string, any>;
type Container = Record<string, any>;
type PodSpec = Record<string, any>;

interface KubernetesModel {
  validate(): void;
  toJSON(): unknown;
}
type ModelClass = { new (data: any): KubernetesModel; prototype: KubernetesModel };

/** The kinds the manifests may use, each with its schema. */
export const KUBERNETES_MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** The image every creditflow container runs (kustomization.yaml's `images` entry renames it). */
export const IMAGE_NAME = 'creditflow';
/** The variables the scheduler-tick one-liner reads (the CronJob and the compose `ticker`): not the platform's. */
export const TICKER_VARIABLES = ['TICK_URL', 'TICK_API_KEY'];
const TICK_PATH = '/v1/scheduler/ticks';
/** Liveness asks only whether the process answers; start-up and readiness whether the service can work (SPEC 1.1). */
const PROBE_PATHS: Record<string, string> = { startupProbe: '/health/ready', readinessProbe: '/health/ready', livenessProbe: '/health/live' };

export interface Repository {
  root: string;
}

/**
 * Every environment variable the platform reads: the quoted upper-case names in
 * libs/shell/src/config.ts (where every variable is read), the tenants directory's variable (read by
 * @creditflow/tenancy on config.ts's behalf), and CREDITFLOW_SERVICE, which the image's CMD reads (the
 * Dockerfile is checked to do so).
 */
export function platformVariables({ root }: Repository): Set<string> {
  const config = readFileSync(join(root, 'libs/shell/src/config.ts'), 'utf8');
  const names = new Set([...config.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]));
  names.add(TENANTS_DIR_ENV);
  if (readFileSync(join(root, 'Dockerfile'), 'utf8').includes('${CREDITFLOW_SERVICE}')) names.add('CREDITFLOW_SERVICE');
  return names;
}

// ---------------------------------------------------------------------------------------------------
// YAML

export interface YamlFile {
  file: string;
  docs: Manifest[];
  problems: string[];
}

export function readYaml(file: string, text: string): YamlFile {
  const problems: string[] = [];
  const docs: Manifest[] = [];
  for (const doc of parseAllDocuments(text, { merge: true })) {
    for (const e of [...doc.errors, ...doc.warnings]) problems.push(`${file}: ${e.message}`);
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) problems.push(`${file}: a document is not a mapping`);
    else docs.push(value as Manifest);
  }
  return { file, docs, problems };
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes

/** Fields of `doc` that the schema's validator never read: unknown to Kubernetes (a typo, a misplaced key). */
function unknownFields(model: ModelClass, doc: Manifest): string[] {
  const objects: { path: string; value: Record<string, unknown>; read: Set<string> }[] = [];
  const track = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const read = new Set<string>();
    if (!Array.isArray(value)) objects.push({ path, value: value as Record<string, unknown>, read });
    const children = new Map<string, unknown>();
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) {
          read.add(key);
          if (!children.has(key)) children.set(key, track((target as Record<string, unknown>)[key], `${path}/${key}`));
          return children.get(key);
        }
        return Reflect.get(target, key, receiver);
      },
    });
  };
  model.prototype.validate.call(track(new model(doc).toJSON(), ''));
  return objects.flatMap(({ path, value, read }) => Object.keys(value).filter((k) => !read.has(k)).map((k) => `${path}/${k}`));
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Schema validation, unknown fields, names; no namespace (the manifests are namespace-agnostic). */
export function schemaProblems(file: string, doc: Manifest): string[] {
  const where = `${file}: ${doc.kind ?? '?'} ${doc.metadata?.name ?? '?'}`;
  const model = KUBERNETES_MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!model) return [`${where}: apiVersion/kind ${doc.apiVersion}/${doc.kind} is not one of ${Object.keys(KUBERNETES_MODELS).join(', ')}`];
  const problems: string[] = [];
  try {
    new model(doc).validate();
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
  for (const field of unknownFields(model, doc)) problems.push(`${where}: unknown field ${field}`);
  const name: unknown = doc.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) problems.push(`${where}: metadata.name must be a DNS subdomain`);
  else if (doc.kind === 'Service' && (name.length > 63 || !DNS_LABEL.test(name))) problems.push(`${where}: a Service's name must be a DNS label`);
  else if (doc.kind === 'CronJob' && name.length > 52) problems.push(`${where}: a CronJob's name must be at most 52 characters`);
  if (doc.metadata?.namespace !== undefined) problems.push(`${where}: names a namespace; the manifests are namespace-agnostic`);
  return problems;
}

interface Workload {
  where: string;
  doc: Manifest;
  pod: PodSpec;
  podLabels: Record<string, string>;
}

function workloads(docs: { file: string; doc: Manifest }[]): Workload[] {
  const out: Workload[] = [];
  for (const { file, doc } of docs) {
    const where = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    const template = doc.kind === 'Deployment' || doc.kind === 'Job' ? doc.spec?.template : doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template : undefined;
    if (template) out.push({ where, doc, pod: template.spec ?? {}, podLabels: template.metadata?.labels ?? {} });
  }
  return out;
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** What a container runs: a service (the image's CMD with CREDITFLOW_SERVICE), a node entry point of dist/, or a `node -e` one-liner. */
function role(container: Container): 'service' | 'entry' | 'one-liner' | 'other' {
  const command: string[] | undefined = container.command;
  if (!command) return 'service';
  if (command[0] === 'node' && /^dist\/apps\/.+\.js$/.test(command[1] ?? '')) return 'entry';
  if (command[0] === 'node' && command[1] === '-e') return 'one-liner';
  return 'other';
}

/** The creditflow-specific checks, across all manifests of deploy/k8s. */
export function kubernetesProblems(repo: Repository, files: YamlFile[]): string[] {
  const problems: string[] = [];
  const docs = files.flatMap(({ file, docs }) => docs.map((doc) => ({ file, doc })));
  const find = (kind: string, name: string) => docs.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name)?.doc;
  const variables = platformVariables(repo);
  const podsOf = workloads(docs);
  const services = docs.filter(({ doc }) => doc.kind === 'Service').map(({ doc }) => doc);
  const budgets = docs.filter(({ doc }) => doc.kind === 'PodDisruptionBudget').map(({ doc }) => doc);

  // Keys a reference brings in, or null if the object is absent (a problem unless optional).
  const keysOf = (kind: 'ConfigMap' | 'Secret', name: string): string[] | null => {
    const doc = find(kind, name);
    return doc ? Object.keys({ ...(doc.data ?? {}), ...(doc.stringData ?? {}), ...(doc.binaryData ?? {}) }) : null;
  };

  for (const { where, doc, pod, podLabels } of podsOf) {
    const podSecurity = pod.securityContext ?? {};
    if (pod.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken must be false (creditflow never calls the Kubernetes API)`);
    if (pod.serviceAccountName && !find('ServiceAccount', pod.serviceAccountName)) problems.push(`${where}: ServiceAccount ${pod.serviceAccountName} is not in the manifests`);
    const volumes = new Map<string, Manifest>((pod.volumes ?? []).map((v: Manifest) => [v.name, v]));
    for (const volume of volumes.values()) {
      if (volume.secret && !volume.secret.optional && !find('Secret', volume.secret.secretName)) problems.push(`${where}: volume ${volume.name} needs Secret ${volume.secret.secretName}, not in the manifests (or mark it optional)`);
      if (volume.configMap && !volume.configMap.optional && !find('ConfigMap', volume.configMap.name)) problems.push(`${where}: volume ${volume.name} needs ConfigMap ${volume.configMap.name}, not in the manifests`);
      if (volume.persistentVolumeClaim && !find('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName)) problems.push(`${where}: volume ${volume.name} needs PersistentVolumeClaim ${volume.persistentVolumeClaim.claimName}, not in the manifests`);
    }
    const containers: Container[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    for (const c of containers) {
      const at = `${where} container ${c.name}`;
      // The image
      if (typeof c.image !== 'string' || c.image.split(':')[0] !== IMAGE_NAME) problems.push(`${at}: image must be ${IMAGE_NAME}:<tag> (kustomization.yaml renames it)`);
      // Resources
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${at}: resources.${kind}.${resource} is not set`);
      }
      // Security context (the pod's applies where the container's leaves a field unset)
      const sc = c.securityContext ?? {};
      const effective = (field: string) => sc[field] ?? podSecurity[field];
      if (effective('runAsNonRoot') !== true) problems.push(`${at}: runAsNonRoot must be true`);
      if (effective('runAsUser') !== 1000) problems.push(`${at}: runAsUser must be 1000 (the image's node user)`);
      if (effective('seccompProfile')?.type !== 'RuntimeDefault') problems.push(`${at}: seccompProfile must be RuntimeDefault`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation must be false`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities must drop ALL`);
      if ((sc.capabilities?.add ?? []).length) problems.push(`${at}: capabilities must add none`);
      if (sc.privileged === true) problems.push(`${at}: must not be privileged`);
      // Mounts
      const mounts = new Map<string, Manifest>((c.volumeMounts ?? []).map((m: Manifest) => [m.mountPath, m]));
      for (const m of mounts.values()) if (!volumes.has(m.name)) problems.push(`${at}: mounts ${m.name}, which is not a volume of the pod`);
      // Environment: what it sets, and what the ConfigMaps and Secrets it takes whole bring in
      const names: string[] = [];
      for (const e of c.env ?? []) {
        names.push(e.name);
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (ref) {
          const keys = keysOf(e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
          if (keys === null ? !ref.optional : !keys.includes(ref.key) && !ref.optional) problems.push(`${at}: ${e.name} refers to ${ref.name}/${ref.key}, not in the manifests`);
        }
      }
      for (const from of c.envFrom ?? []) {
        const [kind, ref] = from.configMapRef ? (['ConfigMap', from.configMapRef] as const) : (['Secret', from.secretRef] as const);
        const keys = keysOf(kind, ref.name);
        if (keys === null) {
          if (!ref.optional) problems.push(`${at}: envFrom ${kind} ${ref.name}, not in the manifests`);
        } else names.push(...keys.map((k) => (from.prefix ?? '') + k));
      }
      const runs = role(c);
      if (runs === 'one-liner') {
        for (const name of names) if (!TICKER_VARIABLES.includes(name)) problems.push(`${at}: sets ${name}; a tick one-liner reads only ${TICKER_VARIABLES.join(', ')}`);
      } else {
        for (const name of names) if (!variables.has(name)) problems.push(`${at}: sets ${name}, which creditflow does not read (libs/shell/src/config.ts)`);
        if (names.includes('CREDITFLOW_CREATE_TOPICS') || names.includes('EVENTSTORE_CONNECTION_STRING')) problems.push(`${at}: the services never create topics here, and their store is PostgreSQL (DATABASE_URL)`);
        if (!names.includes('KAFKA_BROKERS')) problems.push(`${at}: KAFKA_BROKERS is not set`);
        if (!mounts.has('/tmp')) problems.push(`${at}: a read-only root needs a writable /tmp volume`);
      }
      if (runs === 'other') problems.push(`${at}: runs ${JSON.stringify(c.command)}: neither a service, a node entry point of dist/ nor a tick one-liner`);
      if (runs === 'entry') {
        const source = join(repo.root, (c.command[1] as string).replace(/^dist\//, '').replace(/\.js$/, '.ts'));
        if (!existsSync(source)) problems.push(`${at}: runs ${c.command[1]}, but ${source} does not exist`);
      }
      if (runs === 'service') {
        const service = (c.env ?? []).find((e: Manifest) => e.name === 'CREDITFLOW_SERVICE')?.value;
        if (doc.kind !== 'Deployment') problems.push(`${at}: a service runs as a Deployment`);
        if (typeof service !== 'string' || !existsSync(join(repo.root, 'apps', service, 'src/main.ts')) || service === 'platform') {
          problems.push(`${at}: CREDITFLOW_SERVICE must name one of the four services (apps/<service>/src/main.ts), not ${JSON.stringify(service)}`);
        }
        if (!names.includes('DATABASE_URL')) problems.push(`${at}: DATABASE_URL is not set: without it the event store is a local SQLite file`);
        if (!mounts.has('/data')) problems.push(`${at}: CREDITFLOW_DATA_DIR /data must be a volume (the root filesystem is read-only)`);
        const ports = new Map<string, number>((c.ports ?? []).map((p: Manifest) => [p.name, p.containerPort]));
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const get = c[probe]?.httpGet;
          if (!get) problems.push(`${at}: ${probe} must be an httpGet on a health path`);
          else {
            if (get.path !== PROBE_PATHS[probe]) problems.push(`${at}: ${probe} asks ${get.path}, not ${PROBE_PATHS[probe]}`);
            if (typeof get.port === 'string' ? !ports.has(get.port) : ![...ports.values()].includes(get.port)) problems.push(`${at}: ${probe} port ${get.port} is not a container port`);
          }
        }
        // Every service: a Service in front of it and a disruption budget over it.
        const service_ = services.find((s) => selects(s.spec?.selector, podLabels));
        if (!service_) problems.push(`${where}: no Service selects its pods`);
        else for (const p of service_.spec.ports ?? []) if (typeof p.targetPort === 'string' && !ports.has(p.targetPort)) problems.push(`${where}: Service ${service_.metadata.name} targets port ${p.targetPort}, not a container port`);
        if (!budgets.some((b) => selects(b.spec?.selector?.matchLabels, podLabels))) problems.push(`${where}: no PodDisruptionBudget selects its pods`);
      }
    }
    if (doc.kind === 'Deployment') {
      if (!selects(doc.spec?.selector?.matchLabels, podLabels)) problems.push(`${where}: spec.selector does not match the pod template's labels`);
      // A ReadWriteOnce claim is one pod's: one replica, and the old pod gone before the new one starts.
      const claims = [...volumes.values()].filter((v) => v.persistentVolumeClaim);
      for (const claim of claims) {
        const pvc = find('PersistentVolumeClaim', claim.persistentVolumeClaim.claimName);
        if (pvc && (pvc.spec?.accessModes ?? []).includes('ReadWriteOnce') && ((doc.spec?.replicas ?? 1) !== 1 || doc.spec?.strategy?.type !== 'Recreate')) {
          problems.push(`${where}: a ReadWriteOnce claim needs replicas 1 and strategy Recreate`);
        }
      }
      const budget = budgets.find((b) => selects(b.spec?.selector?.matchLabels, podLabels));
      if (budget && (doc.spec?.replicas ?? 1) <= (budget.spec?.minAvailable ?? -1)) problems.push(`${where}: its PodDisruptionBudget's minAvailable would block every eviction`);
    }
  }

  // The pieces the deployment relies on
  const deployment = (service: string) =>
    podsOf.find(({ doc, pod }) => doc.kind === 'Deployment' && (pod.containers ?? []).some((c: Container) => (c.env ?? []).some((e: Manifest) => e.name === 'CREDITFLOW_SERVICE' && e.value === service)));
  for (const service of ['pricing', 'wallet', 'subscription-scheduler', 'refund']) if (!deployment(service)) problems.push(`no Deployment runs ${service}`);
  const wallet = deployment('wallet');
  if (wallet && (wallet.doc.spec?.replicas ?? 1) < 2) problems.push(`${wallet.where}: the wallet runs at least 2 replicas (PostgreSQL store)`);
  if (!podsOf.some(({ doc, pod }) => doc.kind === 'Job' && (pod.containers ?? []).some((c: Container) => c.command?.[1] === 'dist/apps/platform/src/topics.js'))) {
    problems.push('no Job creates the topics (node dist/apps/platform/src/topics.js)');
  }
  const tickers = podsOf.filter(({ doc }) => doc.kind === 'CronJob');
  if (!tickers.length) problems.push('no CronJob ticks the scheduler');
  for (const { where, pod } of tickers) {
    for (const c of pod.containers ?? []) {
      const url: string | undefined = (c.env ?? []).find((e: Manifest) => e.name === 'TICK_URL')?.value;
      const match = url && /^http:\/\/([a-z0-9-]+)(?::(\d+))?(\/.*)$/.exec(url);
      const target = match ? find('Service', match[1]) : undefined;
      if (!match || match[3] !== TICK_PATH) problems.push(`${where}: TICK_URL must be http://<Service>${TICK_PATH}, not ${url}`);
      else if (!target) problems.push(`${where}: TICK_URL names Service ${match[1]}, not in the manifests`);
      else if (!target.spec?.ports?.some((p: Manifest) => p.port === Number(match[2] ?? 80))) problems.push(`${where}: Service ${match[1]} has no port ${match[2] ?? 80}`);
      else if (!podsOf.some(({ doc, pod, podLabels }) => doc.kind === 'Deployment' && selects(target.spec?.selector, podLabels)
        && (pod.containers ?? []).some((sc: Container) => (sc.env ?? []).some((e: Manifest) => e.name === 'CREDITFLOW_SERVICE' && e.value === 'subscription-scheduler')))) {
        problems.push(`${where}: Service ${match[1]} does not select the subscription-scheduler`);
      }
      if (!(c.command ?? []).join(' ').includes('process.env.TICK_URL')) problems.push(`${where}: the tick command does not post to TICK_URL`);
    }
  }
  return problems;
}

/** kustomization.yaml lists every manifest file of deploy/k8s, and only those. */
export function kustomizationProblems(dir: string, kustomization: Manifest): string[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
  const listed: string[] = [...(kustomization.resources ?? [])].sort();
  const problems: string[] = [];
  if (kustomization.kind !== 'Kustomization' || kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1') problems.push('kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization');
  for (const f of files) if (!listed.includes(f)) problems.push(`kustomization.yaml: ${f} is not listed in resources`);
  for (const f of listed) if (!files.includes(f)) problems.push(`kustomization.yaml: lists ${f}, which does not exist`);
  if (kustomization.namespace !== undefined) problems.push('kustomization.yaml: sets a namespace; the manifests are namespace-agnostic');
  if (!(kustomization.images ?? []).some((i: Manifest) => i.name === IMAGE_NAME)) problems.push(`kustomization.yaml: no images entry for ${IMAGE_NAME}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Docker Compose

/** docker-compose.yml (and the override files of deploy/compose, merged over it where they name a service). */
export function composeProblems(repo: Repository, compose: Manifest, overrides: { file: string; doc: Manifest }[] = []): string[] {
  const problems: string[] = [];
  const services: Record<string, Manifest> = compose.services ?? {};
  const volumes = new Set(Object.keys(compose.volumes ?? {}));
  const variables = platformVariables(repo);
  if (!Object.keys(services).length) problems.push('docker-compose.yml: no services');
  const creditflowImage = (s: Manifest) => typeof s.image === 'string' && s.image.split(':')[0] === IMAGE_NAME;

  for (const [name, s] of Object.entries(services)) {
    const at = `docker-compose.yml: service ${name}`;
    if (!s.image && !s.build) problems.push(`${at}: neither image nor build is set`);
    if (creditflowImage(s) && !s.build) problems.push(`${at}: ${s.image} has no build (docker compose up --build builds it from ./Dockerfile)`);
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.source;
      if (source && !/^[./~]/.test(source) && !volumes.has(source)) problems.push(`${at}: volume ${source} is not declared under volumes`);
    }
    for (const dep of Object.keys(Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d: string) => [d, {}])) : (s.depends_on ?? {}))) {
      if (!services[dep]) problems.push(`${at}: depends on ${dep}, which is not a service`);
      else if (services[dep].profiles && !s.profiles) problems.push(`${at}: depends on ${dep}, which only starts with a profile`);
    }
    if (!creditflowImage(s)) continue;
    const env: Record<string, unknown> = Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e: string) => e.split('='))) : (s.environment ?? {});
    const names = Object.keys(env);
    const command: string[] | undefined = Array.isArray(s.command) ? s.command : undefined;
    if (command?.[0] === 'node' && command[1] === '-e') {
      for (const n of names) if (!TICKER_VARIABLES.includes(n)) problems.push(`${at}: sets ${n}; a tick one-liner reads only ${TICKER_VARIABLES.join(', ')}`);
      const match = /^http:\/\/([a-z0-9-]+):3000(\/.*)$/.exec(String(env.TICK_URL));
      if (!match || match[2] !== TICK_PATH || !services[match[1]] || (services[match[1]].environment ?? {}).CREDITFLOW_SERVICE !== 'subscription-scheduler') {
        problems.push(`${at}: TICK_URL must be http://<the subscription-scheduler service>:3000${TICK_PATH}, not ${env.TICK_URL}`);
      }
      continue;
    }
    for (const n of names) if (!variables.has(n)) problems.push(`${at}: sets ${n}, which creditflow does not read (libs/shell/src/config.ts)`);
    if (s.read_only && !(s.tmpfs ?? []).includes('/tmp')) problems.push(`${at}: a read-only root needs a tmpfs /tmp`);
    if (command) {
      if (command[0] !== 'node' || !existsSync(join(repo.root, (command[1] ?? '').replace(/^dist\//, '').replace(/\.js$/, '.ts')))) problems.push(`${at}: runs ${JSON.stringify(command)}, not a node entry point of dist/`);
      continue;
    }
    // A service
    const service = env.CREDITFLOW_SERVICE;
    if (typeof service !== 'string' || service === 'platform' || !existsSync(join(repo.root, 'apps', service, 'src/main.ts'))) problems.push(`${at}: CREDITFLOW_SERVICE must name one of the four services`);
    if (!env.DATABASE_URL) problems.push(`${at}: DATABASE_URL is not set`);
    if (env.CREDITFLOW_CREATE_TOPICS === 'true') problems.push(`${at}: the services never create topics; the topics service does`);
    const dataVolume = (s.volumes ?? []).map((v: unknown) => (typeof v === 'string' ? v.split(':') : [])).find((p: string[]) => p[1] === '/data');
    if (!dataVolume || !volumes.has(dataVolume[0])) problems.push(`${at}: /data must be a named volume`);
    const wait = s.depends_on ?? {};
    if (wait.topics?.condition !== 'service_completed_successfully') problems.push(`${at}: must wait for topics (service_completed_successfully)`);
    for (const dep of ['kafka', 'postgres']) if (wait[dep]?.condition !== 'service_healthy') problems.push(`${at}: must wait for ${dep} (service_healthy)`);
  }

  const topics = services.topics;
  if (!topics || JSON.stringify(topics.command) !== JSON.stringify(['node', 'dist/apps/platform/src/topics.js']) || topics.restart !== 'no') {
    problems.push('docker-compose.yml: a one-shot `topics` service (restart "no") runs node dist/apps/platform/src/topics.js');
  }
  const postgres = services.postgres;
  if (!postgres || !/^postgres:16/.test(postgres.image ?? '') || !postgres.healthcheck || !(postgres.volumes ?? []).some((v: string) => volumes.has(v.split(':')[0]))) {
    problems.push('docker-compose.yml: postgres (postgres:16) with a healthcheck and a named volume');
  }
  const schedulers = Object.values(services).filter((s) => (s.environment ?? {}).CREDITFLOW_SERVICE === 'subscription-scheduler');
  if (!schedulers.length || schedulers.some((s) => s.environment.CREDITFLOW_SCHEDULER_INTERVAL_MS === '0')) problems.push('docker-compose.yml: the subscription-scheduler runs its own schedule');
  if (!Object.values(services).some((s) => creditflowImage(s) && Array.isArray(s.command) && s.command[1] === '-e')) problems.push('docker-compose.yml: no ticker posts ticks');

  for (const { file, doc } of overrides) {
    for (const name of Object.keys(doc.services ?? {})) if (!services[name]) problems.push(`${file}: overrides ${name}, which docker-compose.yml does not have`);
    for (const [name, s] of Object.entries<Manifest>(doc.services ?? {})) {
      for (const n of Object.keys(s.environment ?? {})) if (!variables.has(n)) problems.push(`${file}: service ${name} sets ${n}, which creditflow does not read`);
      for (const dep of Object.keys(s.depends_on ?? {})) if (!services[dep]) problems.push(`${file}: service ${name} depends on ${dep}, which is not a service`);
    }
  }
  return problems;
}

export interface DeploymentFiles {
  /** deploy/k8s/*.yaml but kustomization.yaml */
  k8s: YamlFile[];
  kustomization: YamlFile;
  compose: YamlFile;
  /** deploy/compose/*.yml: override files for docker-compose.yml */
  overrides: YamlFile[];
}

export function readDeploymentFiles({ root }: Repository): DeploymentFiles {
  const yamlIn = (dir: string) =>
    readdirSync(join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => readYaml(`${dir}/${f}`, readFileSync(join(root, dir, f), 'utf8')));
  const all = yamlIn('deploy/k8s');
  const kustomization = all.find((f) => f.file === 'deploy/k8s/kustomization.yaml') ?? { file: 'deploy/k8s/kustomization.yaml', docs: [], problems: ['deploy/k8s/kustomization.yaml is missing'] };
  return {
    k8s: all.filter((f) => f !== kustomization),
    kustomization,
    compose: readYaml('docker-compose.yml', readFileSync(join(root, 'docker-compose.yml'), 'utf8')),
    overrides: existsSync(join(root, 'deploy/compose')) ? yamlIn('deploy/compose') : [],
  };
}

/** Every problem of the deployment files (none for manifests worth applying). */
export function deploymentProblems(repo: Repository, files: DeploymentFiles = readDeploymentFiles(repo)): string[] {
  const { k8s, kustomization, compose, overrides } = files;
  return [
    ...[...k8s, kustomization, compose, ...overrides].flatMap((f) => f.problems),
    ...kustomizationProblems(join(repo.root, 'deploy/k8s'), kustomization.docs[0] ?? {}),
    ...k8s.flatMap(({ file, docs }) => docs.flatMap((doc) => schemaProblems(file, doc))),
    ...kubernetesProblems(repo, k8s),
    ...composeProblems(repo, compose.docs[0] ?? {}, overrides.map((o) => ({ file: o.file, doc: o.docs[0] ?? {} }))),
  ];
}
