// The suite's own Kafka broker, through scripts/kafka/kafka.sh on a port of its own (default 9292),
// so a broker another suite or a developer runs on 9092 is never touched.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

export class Broker {
  constructor(readonly port: number, private readonly log: (line: string) => void) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** A fresh broker (empty data directory); a broker kafka.sh left on this port is stopped first. */
  async startFresh(): Promise<void> {
    if ((await this.run('status', [], true)) === 0) await this.run('stop');
    await this.run('start');
  }

  /** Controlled shutdown, then a broker on the same data (kafka.sh restart). */
  restart = () => this.run('restart');
  /** SIGKILL: the broker dies as in a crash; its data stays. */
  kill = () => this.run('kill');
  /** A broker on the data the last one left. */
  startOnKeptData = () => this.run('start', ['--keep-data']);
  stop = () => this.run('stop');

  /** For an exit handler (Ctrl-C, a deadline): stops the broker, synchronously. */
  stopNow(): void {
    spawnSync('bash', [join(REPO_ROOT, 'scripts/kafka/kafka.sh'), 'stop'], { cwd: REPO_ROOT, env: this.env(), stdio: 'ignore' });
  }

  private env(): NodeJS.ProcessEnv {
    // Generous: a loaded CI machine took 29 s to bring a broker back on its data.
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.port + 1), KAFKA_READY_TIMEOUT: process.env.KAFKA_READY_TIMEOUT ?? '180' };
  }

  private run(command: string, args: string[] = [], quiet = false): Promise<number> {
    return new Promise((done, fail) => {
      const child = spawn('bash', [join(REPO_ROOT, 'scripts/kafka/kafka.sh'), command, ...args], {
        cwd: REPO_ROOT,
        env: this.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', fail);
      child.on('exit', (code) => {
        if (!quiet) for (const line of output.trim().split('\n').filter(Boolean)) this.log(line);
        if (quiet || code === 0) done(code ?? 1);
        else fail(new Error(`kafka.sh ${command} ${args.join(' ')} failed (exit ${code}):\n${output}`));
      });
    });
  }
}
