/**
 * The pneumonia notebook's text and tables (pure), from the numbers of pneumonia.ts and the findings of
 * pneumonia-conclusions.ts. Every number in a sentence is one of those computed values.
 */
import type { ProfileSpec } from '../experiments/types';
import type { Anchor } from './io/kermany';
import { htmlTable, type TableValue } from './html-table';
import { formatFraction } from './labels';
import type { ArmPoint, DatasetFacts, PairedRow, SeenUnseenRow } from './pneumonia';
import { verdictOf, type BestLevelFinding, type BudgetFinding, type ComparisonFinding, type LeakageFinding, type SanityFinding } from './pneumonia-conclusions';

const f3 = (v: number): string => v.toFixed(3);
const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(0)} %`;
const fractions = (fs: readonly number[]): string => (fs.length === 0 ? 'none' : fs.map((f) => formatFraction(f)).join(', '));

export function dataMarkdown(facts: DatasetFacts): string {
  const suggested = facts.schemes.find((s) => s.scheme === 'suggested');
  const rows: TableValue[][] = facts.schemes.flatMap((s) => s.counts.map((c) => [s.scheme, c.split, c.pneumonia, c.normal, c.pneumonia + c.normal]));
  const overlap = suggested
    ? `In the release's own split, kept by the \`suggested\` scheme, ${suggested.overlapPatients} patients have images in both ` +
      `train and test, and ${suggested.overlapTestPneumonia} of the ${suggested.testPneumonia} test pneumonia images ` +
      `(${pct(suggested.overlapTestPneumonia, suggested.testPneumonia)}) belong to them. `
    : '';
  return [
    `**${facts.images.toLocaleString('en-US')} chest X-rays** of children, ${facts.pneumonia.toLocaleString('en-US')} pneumonia ` +
      `(${facts.bacterial.toLocaleString('en-US')} bacterial, ${facts.viral.toLocaleString('en-US')} viral) and ` +
      `${(facts.images - facts.pneumonia).toLocaleString('en-US')} normal, from ${facts.patients.toLocaleString('en-US')} patients ` +
      `(${pct(facts.pneumonia, facts.images)} pneumonia, so AUPRC's chance level is high and AUROC and AUPRC are both reported). ` +
      `${facts.duplicateImages} images are byte-identical copies in ${facts.duplicateGroups} groups; each group stays in one split.`,
    '',
    overlap +
      'The `grouped` scheme draws whole patients from all images instead, so no patient is in two splits. The two ' +
      'answer different questions (the release\'s separately assembled test folder versus new patients from the same ' +
      'pool), so every number below names its split.',
    '',
    htmlTable(['scheme', 'split', 'pneumonia', 'normal', 'images'], rows),
  ].join('\n');
}

/** The protocol paragraph: what every arm shares, from the profile's own settings. */
export function protocolMarkdown(profile: ProfileSpec, fractionList: readonly number[], seeds: number): string {
  const t = profile.training;
  const plateau = t.plateau ? `ReduceLROnPlateau (factor ${t.plateau.factor}, patience ${t.plateau.patience})` : 'no LR schedule';
  const early = t.earlyStopping ? `early stopping after ${t.earlyStopping.patience} epochs without improvement` : 'no early stopping';
  return [
    `Profile \`${profile.id}\`: ${profile.imageSize} px (padded to square with white), up to ${t.epochs} epochs, batch ${t.batchSize}, ` +
      `Adam lr ${t.optimizer.learningRate} (torch semantics), ${plateau}, ${early}, ` +
      `${profile.augment?.horizontalFlip ? 'horizontal flips' : 'no augmentation'}; the epoch kept is the one with the best validation ` +
      `${t.selectBy === 'val-loss' ? 'loss' : 'mean AUPRC'}. Training fractions ${fractions(fractionList)}, nested ` +
      `(each smaller subset inside the larger, class-stratified), ${seeds} seeds; seed *i* of every arm trains on the same images.`,
    '',
    '- **TL**: Keras ResNet50 with ImageNet weights, a new linear head on the flattened feature map, everything fine-tuned.',
    '- **RI**: the same architecture from torchvision-style random initialisation, trained the same way.',
    '- **LP** (linear probe): the ImageNet backbone frozen; its feature map after the cut, globally averaged, feeds an ' +
      'L2-regularised logistic regression (standardised features) whose strength C is chosen on the validation split.',
    '- **T1-T3**: TL truncated after stage 1-3 (the paper\'s truncated transfer); **LP-T1..T3** probe the same cuts.',
  ].join('\n');
}

const ci = (p: { estimate: number; lower: number; upper: number }): string => `${f3(p.estimate)} [${f3(p.lower)}, ${f3(p.upper)}]`;

/** One row per arm and fraction: both metrics with their intervals, seeds and training images. */
export function armTableHtml(points: ReadonlyMap<string, readonly ArmPoint[]>): string {
  const rows: TableValue[][] = [...points.entries()].flatMap(([name, ps]) =>
    ps.map((p) => [name, formatFraction(p.fraction), p.trainImages, p.seeds, ci(p.AUROC), ci(p.AUPRC)]),
  );
  return htmlTable(['arm', 'fraction', 'training images', 'seeds', 'AUROC [95 % CI]', 'AUPRC [95 % CI]'], rows);
}

export function pairedTableHtml(rows: readonly PairedRow[]): string {
  const body: TableValue[][] = rows.map((r) => [
    r.comparison, formatFraction(r.fraction), r.metric, r.seeds, `${f3(r.a)} vs ${f3(r.b)}`, signed(r.difference),
    `[${signed(r.lower)}, ${signed(r.upper)}]`, r.pValue < 0.001 ? '< 0.001' : r.pValue.toFixed(3), f3(r.detectable),
    verdictOf(r) === 'A better' ? 'first better' : verdictOf(r) === 'B better' ? 'second better' : 'not distinguishable',
  ]);
  return htmlTable(['comparison', 'fraction', 'metric', 'seed pairs', 'means', 'difference', '95 % CI', 'p', 'smallest detectable', 'verdict'], body);
}

export function seenUnseenHtml(rows: readonly SeenUnseenRow[]): string {
  const body: TableValue[][] = rows.map((r) => [r.cellName, formatFraction(r.fraction), r.seeds, `${ci(r.seen)} (n = ${r.seen.positives})`, `${ci(r.unseen)} (n = ${r.unseen.positives})`, signed(r.seen.estimate - r.unseen.estimate)]);
  return htmlTable(['arm', 'fraction', 'seeds', 'AUROC, seen patients\' pneumonia', 'AUROC, unseen patients\' pneumonia', 'seen − unseen'], body);
}

/** Our numbers on the official test set beside the published ones, with what differs in each protocol. */
export function anchorsHtml(anchors: readonly Anchor[], ours: ReadonlyMap<'TL' | 'RI' | 'LP', ArmPoint | undefined>, profile: ProfileSpec): string {
  const body: TableValue[][] = anchors.map((a) => {
    const mine = ours.get(a.init);
    return [a.source, `${a.model} (${a.init})`, a.imagePx, a.trainImages, f3(a.auroc), mine ? `${ci(mine.AUROC)}` : 'not run', a.protocol];
  });
  const ourLine = `Ours: Keras ResNet50, ${profile.imageSize} px, ${ours.get('TL')?.trainImages ?? 4694} training images (the official train folder less a patient-grouped val), epoch or C chosen on validation AUPRC.`;
  return `${ourLine}\n\n${htmlTable(['source', 'model (arm)', 'px', 'training images', 'published AUROC', `ours, same arm, 100 % [95 % CI]`, 'their protocol'], body)}`;
}

function comparisonSentence(f: ComparisonFinding): string {
  const parts: string[] = [];
  if (f.aBetter.length) parts.push(`${f.aName} is better at ${fractions(f.aBetter)}`);
  if (f.bBetter.length) parts.push(`${f.bName} is better at ${fractions(f.bBetter)}`);
  if (f.unclear.length) parts.push(`the two cannot be told apart at ${fractions(f.unclear)}`);
  const ends = f.smallest && f.largest && f.smallest !== f.largest
    ? ` The difference is ${signed(f.smallest.difference)} at ${formatFraction(f.smallest.fraction)} and ${signed(f.largest.difference)} at ${formatFraction(f.largest.fraction)}.`
    : '';
  return `- **${f.comparison}, ${f.metric}:** ${parts.join('; ')} (paired 95 % intervals).${ends}`;
}

export interface ConclusionsInput {
  comparisons: readonly ComparisonFinding[];
  truncation: readonly BestLevelFinding[];
  sanity: readonly SanityFinding[];
  leakage: readonly LeakageFinding[];
  /** Grouped minus suggested AUROC of the same arm and fraction. */
  schemeGaps: ReadonlyArray<{ cellName: string; fraction: number; gap: number }>;
  /** Fine-tuned runs still improving when their epochs ran out (optional: older callers pass none). */
  budget?: readonly BudgetFinding[];
}

export function pneumoniaConclusionsMarkdown(input: ConclusionsInput): string {
  const lines = input.comparisons.map(comparisonSentence);
  for (const t of input.truncation) {
    lines.push(
      `- **Truncation at ${formatFraction(t.fraction)} (${t.metric}):** ${t.best.cellName} is highest (${f3(t.best.value)})` +
        (t.tied.length ? `; ${t.tied.join(', ')} within its interval.` : '; every other level is below its interval.'),
    );
  }
  for (const s of input.sanity) {
    lines.push(`- **Check, ${s.what}:** ${s.value === null ? 'not run' : `AUROC ${f3(s.value)} ${s.met ? '≥' : '<'} ${s.threshold}`}.`);
  }
  for (const l of input.leakage) {
    lines.push(
      `- **Seen patients, ${l.cellName} at ${formatFraction(l.fraction)}:** AUROC ${f3(l.seen)} on the pneumonia images of patients ` +
        `the training split has, ${f3(l.unseen)} on the others (${signed(l.gap)}${l.disjoint ? ', intervals disjoint' : ', intervals overlap'}).`,
    );
  }
  for (const g of input.schemeGaps) {
    lines.push(`- **Grouped vs suggested split, ${g.cellName} at ${formatFraction(g.fraction)}:** AUROC ${signed(g.gap)} on the patient-disjoint split.`);
  }
  for (const b of input.budget ?? []) {
    lines.push(
      `- **Epoch budget, ${b.cellName} at ${formatFraction(b.fraction)}:** ${b.stillImproving} of ${b.runs} run(s) were still at their best ` +
        `validation AUPRC in the last of ${b.epochs} epochs (${b.steps} optimizer steps): these numbers are what the budget allowed, not a plateau.`,
    );
  }
  return lines.length ? lines.join('\n') : 'No finished runs to conclude from yet.';
}
