// Takes code out of the root README so the tarball test runs what a reader copies, as it is.

/** The first ```ts block under the `## <heading>` section of `readme`. */
export function readmeSnippet(readme, heading) {
  const start = readme.indexOf(`\n## ${heading}\n`)
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`)
  const section = readme.slice(start + 1).split(/\n## /)[0]
  const block = section.match(/```ts\n([\s\S]*?)\n```/)
  if (!block) throw new Error(`README.md's "## ${heading}" section has no \`\`\`ts block`)
  return block[1]
}

/** Replaces the `// README: <heading>` line of a fixture with the snippet. */
export function spliceSnippet(fixture, heading, snippet) {
  const marker = `// README: ${heading}\n`
  if (!fixture.includes(marker)) throw new Error(`the fixture has no "${marker.trim()}" line`)
  return fixture.replace(marker, `${snippet}\n`)
}
