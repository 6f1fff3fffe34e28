// The API's ratio shape (every KPI ratio carries its numerator and denominator) and helpers to show it.
import { fmtInt, fmtPct } from './format.js'

export interface Ratio { numerator: number; denominator: number; value: number | null }

export const ratioValue = (r: Ratio | null | undefined): number | null =>
  r ? (r.value ?? (r.denominator > 0 ? r.numerator / r.denominator : null)) : null

/** "64.8 % (8,590 of 13,254)". */
export const ratioText = (r: Ratio | null | undefined): string =>
  r ? `${fmtPct(ratioValue(r))} (${fmtInt(r.numerator)} of ${fmtInt(r.denominator)})` : '–'
