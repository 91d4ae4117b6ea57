// The two prompts we use, named, so the bundler keeps only them: a dynamic import of @inquirer/prompts
// itself keeps its whole namespace, including the editor prompt's character-set tables (650 KB of the bundle).
export { confirm, input } from '@inquirer/prompts';
