import type { HistoryFilters } from '@/api/endpoints'

/** The history filters the page keeps in the URL, so a reload or a shared link keeps them. */
export const FILTER_KEYS = ['from', 'to', 'min_amount', 'max_amount', 'direction', 'counterparty', 'q'] as const
export type FilterKey = (typeof FILTER_KEYS)[number]
export type FilterDraft = Record<FilterKey, string>

type RouteQuery = Record<string, unknown>

export function emptyDraft(): FilterDraft {
  return { from: '', to: '', min_amount: '', max_amount: '', direction: '', counterparty: '', q: '' }
}

/** The filters in a route's query (other keys, and repeated or odd values, are ignored). */
export function draftFromQuery(query: RouteQuery): FilterDraft {
  const draft = emptyDraft()
  for (const key of FILTER_KEYS) {
    const value = query[key]
    if (typeof value === 'string') draft[key] = value
  }
  if (draft.direction !== 'in' && draft.direction !== 'out') draft.direction = ''
  return draft
}

/** The filled-in filters only, trimmed; an account number loses its spaces and goes upper case. */
export function filledIn(draft: FilterDraft): Partial<FilterDraft> {
  const out: Partial<FilterDraft> = {}
  for (const key of FILTER_KEYS) {
    let value = draft[key].trim()
    if (key === 'counterparty') value = value.replace(/\s+/g, '').toUpperCase()
    if (value) out[key] = value
  }
  return out
}

/** What the API is sent for the URL's filters. */
export function apiFilters(query: RouteQuery): HistoryFilters {
  return filledIn(draftFromQuery(query)) as HistoryFilters
}

export function hasFilters(query: RouteQuery): boolean {
  return Object.keys(filledIn(draftFromQuery(query))).length > 0
}
