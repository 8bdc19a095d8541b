/**
 * `figureReport`: everything a paper-figure notebook (3, 4, 6, 7) shows, in one call. It picks the dataset this
 * machine has (the paper's, else the SYNTHETIC stand-in, said so), reads the results store for the figure's grid
 * in a child process (training what is missing when asked), joins the paper's values, and computes the charts and
 * every paragraph from the bars (lib/report/figures.ts). The notebook then only displays.
 */
import { provenanceBanner } from '../provenance';
import { FIGURES, figureSections, profileComparison, type FigureSections, type FigureSpec, type PaperFigureId } from '../figures';
import type { CellResult, PaperValue } from '../types';
import { chooseFigureDataset, missingDataMarkdown, type FigureDatasetChoice } from './datasets';
import { figureJob, jobCells, type FigureJobRequest, type FigureJobResult } from './figure-job';
import { loadPaperValues } from './paper-values';

export interface FigureReportParams {
  /** The dataset folders (the notebook's parameters); absent or empty: the project's default folder. */
  covidRoot?: string;
  chexpertRoot?: string;
  /** Size of the SYNTHETIC stand-in. */
  syntheticN?: number;
  /** Training profile of the runs shown (quick, cpu, paper). */
  runProfile: string;
  seeds: number;
  /** Train the runs the store lacks (false: only read it). */
  runMissing: boolean;
  workers: number;
  resultsDir: string;
  /** Weight files for TL cells, by model id. */
  weights?: Record<string, string>;
  /** Where TL cells start from: 'imagenet' (default, the paper's) or 'cxr' (lib/models/registry.ts TL_SOURCES). */
  tlSource?: string;
}

export interface FigureReport extends FigureSections {
  spec: FigureSpec;
  params: FigureReportParams;
  choice: FigureDatasetChoice;
  /** Markdown saying which dataset is missing and what stands in for it; '' when the paper's is here. */
  dataNote: string;
  /** The provenance banner (HTML). */
  banner: string;
  job: FigureJobResult;
  cells: CellResult[];
  paper: PaperValue[];
  /** One line: what was trained or read. */
  summary: string;
}

export interface FigureReportOptions {
  onProgress?: (done: number, total: number, note: string) => void;
}

function jobRequest(spec: FigureSpec, params: FigureReportParams, choice: FigureDatasetChoice, profile: string): FigureJobRequest {
  const request: FigureJobRequest = {
    grid: spec.id,
    dataset: choice.ref,
    profile,
    seeds: choice.synthetic && spec.syntheticSeeds !== null ? spec.syntheticSeeds : params.seeds,
    storeDir: params.resultsDir,
    runMissing: false,
    workers: params.workers,
  };
  if (params.weights) request.weights = params.weights;
  if (params.tlSource) request.tlSource = params.tlSource;
  return request;
}

export async function figureReport(id: PaperFigureId, params: FigureReportParams, options: FigureReportOptions = {}): Promise<FigureReport> {
  const spec = FIGURES[id];
  const choice = chooseFigureDataset(spec.data, { covidRoot: params.covidRoot, chexpertRoot: params.chexpertRoot, syntheticN: params.syntheticN });
  const request: FigureJobRequest = {
    ...jobRequest(spec, params, choice, params.runProfile),
    runMissing: params.runMissing,
    title: spec.title,
    notes: choice.missing ? [`${choice.missing.id} is not available here (${choice.missing.reason}); these bars come from the SYNTHETIC stand-in`] : [],
    notRunReason: params.runMissing ? 'not run' : 'not in the results store (set runMissing = true to train it)',
  };
  const job = await figureJob(request, options.onProgress ? { onProgress: options.onProgress } : {});
  const cells = jobCells(job);
  // The paper's TL is ImageNet TL: bars of models that started from another source have no paper counterpart.
  const paper = loadPaperValues().filter((p) => !(p.init === 'TL' && job.tlSourceModels?.includes(p.model)));
  const summary = job.trained
    ? `${job.trained.ok} trained, ${job.trained.failed} failed, ${job.trained.alreadyDone} already stored (${job.trained.wallSeconds.toFixed(0)} s)`
    : `${job.storedRuns} stored runs read; ${job.missing} planned runs not in the store`;
  return {
    ...figureSections(spec, { cells, paper, synthetic: choice.synthetic, testCounts: job.testCounts }),
    spec,
    params,
    choice,
    dataNote: choice.missing ? missingDataMarkdown(choice.missing, 'the embedded SYNTHETIC dataset') : '',
    banner: provenanceBanner(job.provenance).html,
    job,
    cells,
    paper,
    summary,
  };
}

export interface ProfileComparisonReport {
  /** What this section shows, or why it shows nothing (markdown). */
  note: string;
  /** Present when the store holds runs of the grid at the second profile. */
  banner?: string;
  sections?: FigureSections;
  /** The per-bar table of both profiles' values with their 95% test-set intervals. */
  table?: string;
}

/** The same figure at a second training profile, read from the store only (never trained from a notebook). */
export async function profileComparisonReport(report: FigureReport, profile: string): Promise<ProfileComparisonReport> {
  const { spec, params, choice } = report;
  if (profile === '') return { note: 'No other profile requested (`compareProfiles` is empty).' };
  if (profile === params.runProfile) return { note: `\`${profile}\` is \`runProfile\`: its bars are the ones above.` };
  const job = await figureJob({
    ...jobRequest(spec, params, choice, profile),
    title: `Figure ${spec.id.slice(3)} at the ${profile} profile`,
    notRunReason: `not in the results store at the ${profile} profile`,
  });
  if (job.storedRuns === 0) {
    return {
      note:
        `No \`${profile}\`-profile runs of this grid are in the store. They train with ` +
        `\`npm run rethink-tl -- run ${spec.id} --data ${choice.ref.id} --profile ${profile} --workers 2\` ` +
        '(resumable: finished runs are kept, a killed run restarts from its last epoch).',
    };
  }
  const cells = jobCells(job);
  const sections = figureSections(spec, { cells, paper: report.paper, synthetic: choice.synthetic, testCounts: job.testCounts, profileSuffix: profile });
  // The same empty slots for the same reasons as the main charts: say so instead of repeating the list.
  if (sections.missingBars === report.missingBars) sections.missingBars = '**Empty slots in the charts:** the same bars as above, for the same reasons.';
  return {
    note: `The \`${profile}\`-profile runs of this grid in the store (${job.storedRuns} runs):`,
    banner: provenanceBanner(job.provenance).html,
    sections,
    table: profileComparison(report.cells, cells, { baseName: params.runProfile, otherName: profile }),
  };
}
