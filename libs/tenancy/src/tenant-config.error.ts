// A bad tenant configuration stops start-up with one error listing every problem found, each as
// `<file>: <field path>: <problem>`.
export interface TenantConfigProblem {
  readonly file: string;
  /** Dotted field path inside the file (`catalogVersions[0].features.qwen-image.price`); '' for the file itself. */
  readonly path: string;
  readonly message: string;
}

export class TenantConfigError extends Error {
  readonly code = 'TENANT_CONFIG.INVALID';

  constructor(readonly problems: readonly TenantConfigProblem[]) {
    super(TenantConfigError.describe(problems));
    this.name = 'TenantConfigError';
  }

  static describe(problems: readonly TenantConfigProblem[]): string {
    const lines = problems.map((p) => `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    if (lines.length === 1) return lines[0];
    return `${lines.length} problems in tenant configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  }
}
