import { describe, expect, it } from 'vitest'
import { apiFilters, draftFromQuery, filledIn, hasFilters } from './historyFilters'

describe('history filters in the URL', () => {
  it('reads only the known filters, and only single string values', () => {
    const draft = draftFromQuery({ from: '2026-12-01', q: 'rent', evil: 'x', to: ['a', 'b'], direction: 'sideways' })
    expect(draft).toEqual({ from: '2026-12-01', to: '', min_amount: '', max_amount: '', direction: '', counterparty: '', q: 'rent' })
  })

  it('sends only what is filled in, trimmed, with the counterparty written as the API wants it', () => {
    expect(apiFilters({ q: '  coffee ', counterparty: 'ie16 iebk 0000 0000 0000 01', min_amount: '', direction: 'out' })).toEqual({
      q: 'coffee',
      counterparty: 'IE16IEBK00000000000001',
      direction: 'out',
    })
    expect(filledIn(draftFromQuery({}))).toEqual({})
  })

  it('knows when any filter is on', () => {
    expect(hasFilters({ account: 'IE16IEBK00000000000001' })).toBe(false)
    expect(hasFilters({ max_amount: '20' })).toBe(true)
  })
})
