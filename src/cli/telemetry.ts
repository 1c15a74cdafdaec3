import { propagation, trace } from '@opentelemetry/api';
import type { Logger } from '../util/logger.js';

export interface Tracing {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

let enabled = false;

/** True once startTracing found an OTLP endpoint: the GraphQL and ingest spans are only made then. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * OpenTelemetry traces over OTLP (HTTP, JSON), only when the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set;
 * the exporter reads the other standard OTEL_* variables itself (headers,
 * timeout). Unset: nothing is registered, no span is made, and the SDK is
 * not even loaded (imported here only when needed: it adds to every start).
 */
export async function startTracing(
  env: Record<string, string | undefined>,
  logger: Logger,
  version: string,
): Promise<Tracing | undefined> {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED'] === 'true') return undefined;
  const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { resourceFromAttributes }, sdk] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const { BasicTracerProvider, BatchSpanProcessor } = sdk;
  const exporter = new OTLPTraceExporter(
    env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ? {} : { url: `${endpoint.replace(/\/$/, '')}/v1/traces` },
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME'] || 'cellgraph',
      'service.version': version,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  enabled = true;
  logger.info({ endpoint }, 'OpenTelemetry tracing on: spans exported over OTLP/HTTP');
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}
