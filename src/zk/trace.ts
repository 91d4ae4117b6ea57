/** zkCli renderings of the operations the client performs, for `--trace`. */

const MAX_SHOWN = 60;

/** Data as zkCli's argument would be written: quoted, escaped, cut when long. */
export function quoteData(data: Buffer): string {
  const text = data.toString('utf8');
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return JSON.stringify(shown);
}

export function createMode(ephemeral: boolean, sequential: boolean): string {
  return `${ephemeral ? '-e ' : ''}${sequential ? '-s ' : ''}`;
}
