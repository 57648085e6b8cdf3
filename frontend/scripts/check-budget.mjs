#!/usr/bin/env node
// Bundle budgets, checked on the production build (run `npm run build` first):
//  - the JavaScript a first visit downloads (the entry chunk and its static imports) is at most
//    INITIAL_JS_BUDGET_KB gzip;
//  - every page under src/pages is a lazily loaded chunk, never part of the initial download.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

const INITIAL_JS_BUDGET_KB = 100
const root = new URL('..', import.meta.url).pathname
const dist = join(root, 'dist')

let manifest
try {
  manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))
} catch {
  console.error('check-budget: dist/.vite/manifest.json is missing; run `npm run build` first.')
  process.exit(2)
}

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry)
if (entries.length !== 1) {
  console.error(`check-budget: expected one entry chunk, found ${entries.length}`)
  process.exit(1)
}

// The initial download: the entry chunk and everything it imports statically.
const initial = new Set()
const visit = (key) => {
  if (initial.has(key)) return
  initial.add(key)
  for (const dep of manifest[key]?.imports ?? []) visit(dep)
}
visit(entries[0][0])

const gzipKb = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length / 1024
const failures = []
let initialKb = 0
console.log('Initial JavaScript (gzip):')
for (const key of initial) {
  const file = manifest[key].file
  const kb = gzipKb(file)
  initialKb += kb
  console.log(`  ${file.padEnd(52)} ${kb.toFixed(2).padStart(7)} KB`)
}
console.log(`  ${'total'.padEnd(52)} ${initialKb.toFixed(2).padStart(7)} KB (budget ${INITIAL_JS_BUDGET_KB} KB)`)
if (initialKb > INITIAL_JS_BUDGET_KB) failures.push(`initial JavaScript is ${initialKb.toFixed(1)} KB gzip, over ${INITIAL_JS_BUDGET_KB} KB`)

// Every page component must be its own dynamic entry and outside the initial set.
const pages = []
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith('.vue')) pages.push(relative(root, path))
  }
}
walk(join(root, 'src', 'pages'))

console.log('Route chunks (gzip):')
for (const page of pages.sort()) {
  const chunk = manifest[page]
  if (!chunk) failures.push(`${page} is not in the build (is it routed?)`)
  else if (!chunk.isDynamicEntry) failures.push(`${page} is not loaded lazily`)
  else if (initial.has(page)) failures.push(`${page} is part of the initial download`)
  else console.log(`  ${page.padEnd(52)} ${gzipKb(chunk.file).toFixed(2).padStart(7)} KB  ${chunk.file}`)
}

if (failures.length) {
  console.error('\nBudget check FAILED:')
  for (const f of failures) console.error(`  - ${f}`)
  process.exit(1)
}
console.log(`\nBudget check passed: ${initialKb.toFixed(1)} KB initial JS, ${pages.length} lazy route chunks.`)
