import type { Registry, RegistryContentType } from 'prom-client'

type Labels = Record<string, string | number>
/** A sample as prom-client returns it (`metricName` is set for histogram samples). */
type Sample = { value: number; labels: Labels; metricName?: string }

/**
 * The value of one series in `registry` (collecting scrape-time gauges first), or undefined when
 * no series matches. `sample` picks a histogram's `_count`, `_sum` or `_bucket` sample by its full name.
 */
export async function seriesValue(
  registry: Registry<RegistryContentType>,
  name: string,
  labels: Labels,
  sample?: string,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name} in the registry`)
  const { values } = (await metric.get()) as { values: Sample[] }
  const found = values.find(
    (value) =>
      (sample === undefined || value.metricName === sample) &&
      Object.entries(labels).every(([key, expected]) => value.labels[key] === expected) &&
      Object.keys(value.labels).filter((key) => key !== 'le').length ===
        Object.keys(labels).filter((key) => key !== 'le').length,
  )
  return found?.value
}

/** Every series of a metric, as `labels → value` rows (scrape-time gauges collected first). */
export async function allSeries(
  registry: Registry<RegistryContentType>,
  name: string,
): Promise<Array<{ labels: Labels; value: number }>> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name} in the registry`)
  const { values } = await metric.get()
  return values.map((value) => ({ labels: { ...value.labels } as Labels, value: value.value }))
}
