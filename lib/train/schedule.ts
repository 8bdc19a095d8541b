/**
 * Learning-rate schedule and early stopping as small state machines over per-epoch values. Their state is
 * plain data so a resumed run continues exactly where the killed one stopped.
 */
import type { EarlyStoppingOptions, PlateauOptions } from './types';

export type Direction = 'min' | 'max';

/** The 2021 code: ReduceLROnPlateau(factor=0.1, patience=5) on validation mean AUPRC. */
export const DEFAULT_PLATEAU: PlateauOptions = {
  factor: 0.1,
  patience: 5,
  threshold: 1e-4,
  minLr: 0,
  cooldown: 0,
};

export interface PlateauState {
  best: number | null;
  badEpochs: number;
  cooldownLeft: number;
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau with threshold_mode='rel'. */
export class ReduceLrOnPlateau {
  readonly options: PlateauOptions;
  readonly direction: Direction;
  private state: PlateauState = { best: null, badEpochs: 0, cooldownLeft: 0 };

  constructor(direction: Direction, options: Partial<PlateauOptions> = {}) {
    this.direction = direction;
    this.options = { ...DEFAULT_PLATEAU, ...options };
  }

  private isBetter(value: number, best: number): boolean {
    const { threshold } = this.options;
    return this.direction === 'min' ? value < best * (1 - threshold) : value > best * (1 + threshold);
  }

  /** Feed one epoch's monitored value; returns the learning rate to use next. A NaN value counts as no improvement. */
  step(value: number, learningRate: number): number {
    const s = this.state;
    if (!Number.isNaN(value) && (s.best === null || this.isBetter(value, s.best))) {
      s.best = value;
      s.badEpochs = 0;
    } else {
      s.badEpochs += 1;
    }
    if (s.cooldownLeft > 0) {
      s.cooldownLeft -= 1;
      s.badEpochs = 0;
    }
    if (s.badEpochs > this.options.patience) {
      const reduced = Math.max(learningRate * this.options.factor, this.options.minLr);
      s.cooldownLeft = this.options.cooldown;
      s.badEpochs = 0;
      // torch skips reductions smaller than eps=1e-8.
      if (learningRate - reduced > 1e-8) return reduced;
    }
    return learningRate;
  }

  getState(): PlateauState {
    return { ...this.state };
  }

  setState(state: PlateauState): void {
    this.state = { ...state };
  }
}

export const DEFAULT_EARLY_STOPPING: EarlyStoppingOptions = { patience: 10, minDelta: 0 };

export interface EarlyStoppingState {
  best: number | null;
  badEpochs: number;
}

export class EarlyStopping {
  readonly options: EarlyStoppingOptions;
  readonly direction: Direction;
  private state: EarlyStoppingState = { best: null, badEpochs: 0 };

  constructor(direction: Direction, options: Partial<EarlyStoppingOptions> = {}) {
    this.direction = direction;
    this.options = { ...DEFAULT_EARLY_STOPPING, ...options };
  }

  /** Feed one epoch's value; returns true when training should stop. */
  step(value: number): boolean {
    const s = this.state;
    const { minDelta } = this.options;
    const improved =
      !Number.isNaN(value) &&
      (s.best === null || (this.direction === 'min' ? value < s.best - minDelta : value > s.best + minDelta));
    if (improved) {
      s.best = value;
      s.badEpochs = 0;
    } else {
      s.badEpochs += 1;
    }
    return s.badEpochs >= this.options.patience;
  }

  getState(): EarlyStoppingState {
    return { ...this.state };
  }

  setState(state: EarlyStoppingState): void {
    this.state = { ...state };
  }
}
