/** Budgets as written on the command line and in the API: `0.50/day`, `20/week`, `100/month`; and their periods. */
import { PolymathError } from '../errors.js';

export type BudgetPeriod = 'day' | 'week' | 'month';

export interface BudgetSpec {
  usd: number;
  period: BudgetPeriod;
}

const SPEC = /^\$?(\d+(?:\.\d+)?)\s*\/\s*(day|week|month)$/;

export function parseBudget(text: string, param = 'budget'): BudgetSpec {
  const m = SPEC.exec(text.trim());
  const usd = m ? Number(m[1]) : NaN;
  if (!m || !(usd > 0) || usd > 1e9) {
    throw new PolymathError('invalid_request', `A budget is USD per day, week or month, such as "0.50/day", "20/week" or "100/month" (got "${text}").`, { param, code: 'invalid_budget' });
  }
  return { usd, period: m[2] as BudgetPeriod };
}

export function formatBudget(usd: number, period: string): string {
  return `${usd}/${period}`;
}

/** The UTC start and end (ms) of the period that contains `now`: days from midnight, weeks from Monday, months from the 1st. */
export function periodOf(period: BudgetPeriod, now = Date.now()): { start: number; end: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  if (period === 'month') return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  if (period === 'week') {
    const start = Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7));
    return { start, end: start + 7 * 86_400_000 };
  }
  const start = Date.UTC(y, m, day);
  return { start, end: start + 86_400_000 };
}
