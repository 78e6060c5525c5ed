import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * The young generation's size at which the server stops V8 from growing it: 32 MiB (two semi-spaces of 16).
 *
 * Under load, V8 doubles the young generation whenever enough objects survive its scavenges, up to a maximum
 * it derives from the machine's memory: on Node 24, 128 MiB on a 24 GiB machine, reached within seconds of the
 * registration bench, where it was about a third of the server's RSS (peak 242-311 MiB; 180-229 MiB with the
 * young generation at 32 MiB, for the same req/s and CPU per request). Node 22's own maximum is about 32 MiB
 * already. Smaller costs CPU: at 2 MiB, 17% fewer registrations per second.
 */
export const youngGenerationCap = 32 * 2 ** 20;

/** V8's own growth factor of the young generation, restored when it has shrunk back below the cap. */
const defaultGrowthFactor = 2;

/** Node options by which an operator sizes the young generation: theirs stands, none of ours is applied. */
const operatorSizing = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;

/**
 * Keeps V8's young generation at or below `cap` bytes in a server process (`latchkey serve`, `latchkey gateway`),
 * unless the operator sized it (`--max-semi-space-size` in the command line or `NODE_OPTIONS`). Never in the
 * library: a host application's heap is its own.
 *
 * `--max-semi-space-size` is read only when the heap is created, before any of our code runs, and passing it
 * would need every way of starting the server (`npx latchkey`, `npm start`, a unit file, a container) to carry
 * it. The growth factor is read each time V8 considers growing: after each garbage collection, we set it to 1
 * once the young generation has reached the cap (it then stays at its size), and back to V8's default when it
 * has shrunk (V8 shrinks it when allocation slows down), so that it can grow again up to the cap. It is a best
 * effort: the observer runs after the collection, so a long synchronous task that collects several times could
 * let the space grow one step past the cap before the factor is set.
 *
 * @returns a function that stops watching (the growth factor stays as it was last set), or undefined when the
 *   operator's own sizing applies.
 */
export function capYoungGeneration(
  cap: number = youngGenerationCap,
  options: { execArgv?: readonly string[]; nodeOptions?: string | undefined } = {},
): (() => void) | undefined {
  const execArgv = options.execArgv ?? process.execArgv;
  const nodeOptions = 'nodeOptions' in options ? options.nodeOptions : process.env['NODE_OPTIONS'];
  if (execArgv.some((arg) => operatorSizing.test(arg)) || operatorSizing.test(nodeOptions ?? '')) return undefined;

  let growing = true;
  const adjust = (): void => {
    const size = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size;
    if (size === undefined) return;
    const grow = size < cap;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? defaultGrowthFactor : 1}`);
  };
  const observer = new PerformanceObserver(adjust);
  observer.observe({ entryTypes: ['gc'] });
  adjust();
  return () => observer.disconnect();
}
