// Types the generated dash_<name>.ts files check the dashboards against; everything here comes from
// @grafana/schema (the published schema of Grafana's dashboard JSON model and of the core panel
// plugins' options). check-dashboards.mjs copies this file next to the generated ones.
import type { Dashboard, FieldConfig, FieldConfigSource, Panel, RowPanel } from '@grafana/schema';
import type * as Logs from '@grafana/schema/dist/esm/raw/composable/logs/panelcfg/x/LogsPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as Table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/**
 * T as it can be written in JSON. The schema declares closed sets of strings as TypeScript string
 * enums (ThresholdsMode, FieldColorModeId, MappingType, ...), and TypeScript accepts no string
 * literal where such an enum is expected, although JSON can only hold the string: every string
 * enum becomes the union of its values ("absolute" | "percentage"). Numeric enums stay as they
 * are (a JSON number is accepted only if it is one of the members), and so does everything else,
 * so a wrong type, an unknown value or a misspelt property is still an error.
 */
export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** The dashboard as Grafana's schema has it (panel options and targets are open records there). */
export type GrafanaDashboard = Json<Dashboard>;

/** A panel of a core plugin whose options and field config the plugin's own schema describes. */
type PluginPanel<Type extends string, Options, Custom> = Omit<Panel, 'type' | 'options' | 'fieldConfig'> & {
  type: Type;
  options: Options;
  fieldConfig: Omit<FieldConfigSource, 'defaults'> & {
    defaults: Omit<FieldConfig, 'custom'> & { custom?: Custom };
  };
};

/** The panel types these dashboards use; any other type is refused, so that each is checked. */
export type TandemPanel = Json<
  | PluginPanel<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>
  | PluginPanel<'stat', Stat.Options, never>
  | PluginPanel<'table', Table.Options, Table.FieldConfig>
  | PluginPanel<'state-timeline', StateTimeline.Options, StateTimeline.FieldConfig>
  | PluginPanel<'logs', Logs.Options, never>
>;

export type TandemRow = Json<Omit<RowPanel, 'panels'>> & { panels: TandemPanel[] };

/** The same dashboard with every panel checked against its plugin's options. */
export type TandemDashboard = Omit<GrafanaDashboard, 'panels'> & {
  panels: Array<TandemPanel | TandemRow>;
};
