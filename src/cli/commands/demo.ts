import type { Command } from 'commander';
import type { App } from '../program.js';

export function registerDemo(_program: Command, _app: App): void {}
