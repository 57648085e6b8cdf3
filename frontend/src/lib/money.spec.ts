import { describe, expect, it, vi } from 'vitest'
import { amountProblem, formatMoney, normalizeAmount, totalsByCurrency } from './money'

describe('money', () => {
  it('adds balances per currency exactly, without float rounding', () => {
    const totals = totalsByCurrency([
      { currency: 'EUR', balance: '0.10' },
      { currency: 'USD', balance: '5.00' },
      { currency: 'EUR', balance: '0.20' },
      { currency: 'EUR', balance: '9999999999.99' },
    ])
    expect(totals).toEqual([
      { currency: 'EUR', total: '10000000000.29' },
      { currency: 'USD', total: '5.00' },
    ])
  })

  it('handles negative balances', () => {
    expect(totalsByCurrency([{ currency: 'EUR', balance: '-1.50' }, { currency: 'EUR', balance: '1.00' }])).toEqual([
      { currency: 'EUR', total: '-0.50' },
    ])
  })

  it('accepts amounts with up to two decimals and sends them in canonical form', () => {
    expect(amountProblem('25')).toBeNull()
    expect(amountProblem('25.5')).toBeNull()
    expect(normalizeAmount('25.5')).toBe('25.50')
    expect(normalizeAmount('007')).toBe('7.00')
  })

  it('refuses zero, negative, three decimals and text', () => {
    expect(amountProblem('0')).toMatch(/more than zero/)
    expect(amountProblem('0.00')).toMatch(/more than zero/)
    expect(amountProblem('-5')).toMatch(/like 25/)
    expect(amountProblem('1.234')).toMatch(/two decimals/)
    expect(amountProblem('ten')).toMatch(/like 25/)
    expect(amountProblem('1,000')).toMatch(/two decimals/)
    expect(amountProblem('1.000,50')).toMatch(/like 25/)
    expect(amountProblem(' ')).toMatch(/Enter/)
  })

  it('accepts a decimal comma, as people type amounts in most of the bank’s EU countries', () => {
    expect(amountProblem('25,50')).toBeNull()
    expect(amountProblem('25,5')).toBeNull()
    expect(normalizeAmount('25,50')).toBe('25.50')
    expect(normalizeAmount(' 7,5 ')).toBe('7.50')
    expect(amountProblem('0,00')).toMatch(/more than zero/)
  })

  it('refuses more than the API’s limit for one movement, naming the limit', () => {
    expect(amountProblem('1000000000')).toBeNull()
    expect(amountProblem('1000000000.01')).toMatch(/at most 1,000,000,000\.00/)
  })

  it('shows amounts in the person’s locale', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['de-DE'])
    expect(formatMoney('1234.50', 'EUR')).toBe('1.234,50\u00a0€')
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['en-IE'])
    expect(formatMoney('1234.50', 'EUR')).toBe('€1,234.50')
  })

  it('formats a decimal string with its currency', () => {
    expect(formatMoney('1234.50', 'EUR')).toBe('€1,234.50')
    expect(formatMoney('0.10', 'GBP')).toBe('£0.10')
  })
})
