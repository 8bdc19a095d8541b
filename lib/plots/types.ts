/**
 * The plotly figure shape the builders return. Deliberately loose (plotly's own typings are huge and not a
 * dependency): a trace or layout is a JSON object; builders document which keys they set.
 */
export type PlotlyTrace = Record<string, unknown> & { type: string };
export type PlotlyLayout = Record<string, unknown>;

export interface PlotlySpec {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  /** plotly config (modebar, responsiveness). */
  config?: Record<string, unknown>;
}

/** Size used when a figure is rendered to a static image. */
export interface FigureSize {
  width: number;
  height: number;
}
