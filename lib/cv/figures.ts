/**
 * Plotly figure JSON (`data` + `layout`) for the OTT analytics, as the old service's frontend reads it.
 * Pure builders over plain numbers; the route serialises them into the old service's `graph` strings.
 */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface ChannelFigures {
  channels: string[];
  hours: number[];
  counts: number[];
}

/** Bars of hours and a line of event counts (second axis) per channel. */
export function channelFigure(title: string, { channels, hours, counts }: ChannelFigures): PlotlyFigure {
  return {
    data: [
      { type: 'bar', name: 'Horas', x: channels, y: hours, yaxis: 'y' },
      { type: 'scatter', mode: 'lines+markers', name: 'Eventos', x: channels, y: counts, yaxis: 'y2' },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'Canal' } },
      yaxis: { title: { text: 'Horas' } },
      yaxis2: { title: { text: 'Eventos' }, overlaying: 'y', side: 'right' },
      legend: { orientation: 'h' },
    },
  };
}

/** A pie of hours per time band. */
export function bandPieFigure(title: string, hoursByBand: Record<string, number>): PlotlyFigure {
  return {
    data: [{ type: 'pie', labels: Object.keys(hoursByBand), values: Object.values(hoursByBand), hole: 0 }],
    layout: { title: { text: title } },
  };
}
