import { processIo } from '../output/io.js';
import { main } from './main.js';

/** The bin's entry: sets the exit code and lets the process end by itself, so stdout drains. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo());
}
