import type { Command } from 'commander';
import type { App } from '../program.js';

export function registerLock(_program: Command, _app: App): void {}
