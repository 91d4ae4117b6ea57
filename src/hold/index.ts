/**
 * The hold lifecycle, below the CLI: acquire → hold and supervise → release, with the supervision margin.
 * cli → hold → recipes → zk; the command runs under src/process/.
 */
export { runHold, type Reacquire, type HoldRun, type HoldPolicy, type HoldEvent, type HoldOutcome, type Supervise, type Supervised } from './lifecycle.js';
export { holdOwnedNode, releaseOwnedNode, type Hold, type Release } from './hold.js';
export { MARGIN, SuspensionGuard, hardStopAt, keeperDeadlineMs, type SessionView } from './margin.js';
export { barrierStep, type BarrierPassage } from './steps.js';
export { claimIdStep, contenderStep, ephemeralNodeStep, queueItemStep, registrationStep, semaphoreStep, type LeaseHeld, type QueueItemOptions, type Registration, type TurnTaken } from './steps.js';
