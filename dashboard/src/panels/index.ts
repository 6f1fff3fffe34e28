// The overview's panels, in reading order. Each panel's file says which endpoint it reads (endpoints.ts).
import type { FilterBar } from '../filters.js'
import type { PanelDef } from '../panel.js'
import { adoptionPanel, resetsPanel } from './adoption.js'
import { authenticatorsPanel, mixByProductPanel, phishingPanel } from './breakdowns.js'
import { fallbackByPlatformPanel, fallbackByProductPanel, fallbackHeatmapPanel } from './fallbacks.js'
import { alertsPanel, privilegedPanel } from './lists.js'
import { methodMixPanel } from './method-mix.js'
import { latencyPanel, successRatePanel } from './per-method.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function overviewPanels(filters: FilterBar): PanelDef<any>[] {
  return [
    methodMixPanel,
    mixByProductPanel(filters),
    adoptionPanel,
    latencyPanel,
    successRatePanel,
    fallbackHeatmapPanel(),
    fallbackByProductPanel(filters),
    fallbackByPlatformPanel(),
    resetsPanel,
    authenticatorsPanel,
    privilegedPanel(filters),
    phishingPanel,
    alertsPanel,
  ]
}
