/** Toy examples used by the figure notebooks. */
export {
  TOY_CLASSIFIERS,
  PAPER_2021_REALISATION,
  PAPER_FACTS_2021_VALUES,
  validateToySpec,
  drawToyRanking,
  drawToyRankings,
  scoresFromRanks,
  expectedAuroc,
  expectedToyMetrics,
} from './roc-vs-prc';
export type { ToySpec, ToyRanking, LabelledScores, ToyExpectations } from './roc-vs-prc';
export { TOY_METRIC_NAMES, toyMetrics, monteCarloToy, summarise, quantile, shareGreater } from './monte-carlo';
export type { ToyMetrics, ToyMetricSamples, Summary } from './monte-carlo';
