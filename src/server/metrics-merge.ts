/**
 * One `/metrics` page from several registries (one per live stream, each
 * labelling its series with `stream="<name>"`).
 *
 * Prometheus' text format allows one `# HELP` and one `# TYPE` line per
 * metric family, with all of the family's samples after them: pasting the
 * registries' pages one after another would repeat them, which Prometheus
 * rejects ("second TYPE line for metric name"). So the pages are regrouped
 * by family, in the order families first appear.
 */

interface Family {
  readonly comments: string[];
  readonly samples: string[];
}

/** The family a sample line belongs to: its name without the histogram/summary suffixes. */
function familyOf(sampleName: string, families: ReadonlyMap<string, Family>): string {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of ['_bucket', '_sum', '_count', '_created', '_total']) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length);
      if (families.has(base)) return base;
    }
  }
  return sampleName;
}

/**
 * Merges Prometheus text pages (format 0.0.4) into one, each family's HELP and
 * TYPE once. Samples keep their labels; two pages with an identical series
 * would be a duplicate (that is why each stream has its own `stream` label).
 */
export function mergeExpositions(pages: readonly string[]): string {
  const families = new Map<string, Family>();
  const get = (name: string): Family => {
    let family = families.get(name);
    if (family === undefined) families.set(name, (family = { comments: [], samples: [] }));
    return family;
  };
  for (const page of pages) {
    for (const line of page.split('\n')) {
      if (line.trim() === '') continue;
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (comment !== null) {
        const family = get(comment[2] as string);
        if (!family.comments.some((c) => c.startsWith(`# ${comment[1]} `))) family.comments.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = /^[^\s{]+/.exec(line)?.[0] ?? line;
      get(familyOf(name, families)).samples.push(line);
    }
  }
  const out: string[] = [];
  for (const family of families.values()) out.push(...family.comments, ...family.samples);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
